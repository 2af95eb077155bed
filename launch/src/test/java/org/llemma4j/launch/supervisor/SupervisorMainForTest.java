package org.llemma4j.launch.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * A supervisor in its own JVM, so a test can signal it as a user would (SIGTERM, SIGINT) and check that its
 * children and their helpers go with it. Arguments: the {@link SupervisedChild} mode and its arguments.
 */
public final class SupervisorMainForTest {

    private SupervisorMainForTest() {
    }

    public static void main(String[] args) {
        LaunchSpec spec = LaunchSpec.local(SupervisedChild.class.getName(), List.of(args), 2)
                .withGracePeriod(Duration.ofSeconds(3)).withJvmArgs(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"));
        SupervisorResult result = new Supervisor(spec, System.out).run();
        System.out.println("[supervisor] " + result.message());
        System.exit(result.exitCode());
    }
}
