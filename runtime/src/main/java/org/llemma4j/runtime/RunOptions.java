package org.llemma4j.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How this process takes part in a run, besides the config: what belongs to the launch rather than to the run.
 *
 * @param runDir            where metrics.jsonl and the resolved config go
 * @param rendezvousTimeout bound on reaching the master and on every rank checking in
 * @param stopGrace         with a value, SIGTERM/SIGINT stop the run at the next step boundary, waiting up to this
 *                          long for it (the CLI); empty, only the run's own code stops it (tests, embedded use)
 */
public record RunOptions(Path runDir, Duration rendezvousTimeout, Optional<Duration> stopGrace) {

    /** The default rendezvous bound: 5 minutes. */
    public static final Duration RENDEZVOUS_TIMEOUT = Duration.ofMinutes(5);

    public RunOptions {
        Objects.requireNonNull(runDir, "runDir");
        if (rendezvousTimeout.isNegative() || rendezvousTimeout.isZero()) {
            throw new IllegalArgumentException("rendezvous timeout " + rendezvousTimeout + " must be positive");
        }
        Objects.requireNonNull(stopGrace, "stopGrace");
    }

    /** A run stopped only by its own code, with the default rendezvous bound: for tests and embedded use. */
    public static RunOptions embedded(Path runDir) {
        return new RunOptions(runDir, RENDEZVOUS_TIMEOUT, Optional.empty());
    }
}
