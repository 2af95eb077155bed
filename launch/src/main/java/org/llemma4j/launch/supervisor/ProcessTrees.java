package org.llemma4j.launch.supervisor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Stops whole process trees: politely (SIGTERM, so JVM shutdown hooks run and NCCL/Gloo sockets close), then,
 * after a grace period, forcibly (SIGKILL).
 *
 * <p>The descendants are listed before anything is signalled: once a parent dies its children are re-parented to
 * init and can no longer be found from it, which is how a rank's helper processes would outlive a run.
 */
final class ProcessTrees {

    /** Poll period while waiting for processes to exit. */
    private static final long POLL_MILLIS = 20;

    private ProcessTrees() {
    }

    /** Every process of the given trees, roots first, that is still alive. */
    static Set<ProcessHandle> collect(List<ProcessHandle> roots) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        for (ProcessHandle root : roots) {
            if (root.isAlive()) {
                all.add(root);
            }
            root.descendants().filter(ProcessHandle::isAlive).forEach(all::add);
        }
        return all;
    }

    /**
     * SIGTERM to every process of the trees, up to {@code grace} for them to exit, then SIGKILL to the rest, and a
     * bounded wait (5 s) for the kernel to reap them.
     *
     * @return the processes still alive at the end (normally none)
     */
    static List<ProcessHandle> stop(List<ProcessHandle> roots, Duration grace) {
        Set<ProcessHandle> all = collect(roots);
        for (ProcessHandle p : all) {
            p.destroy();
        }
        waitAllDead(all, grace);
        // A child may have started new processes while stopping: look again before the hard kill.
        all.addAll(collect(roots));
        for (ProcessHandle p : all) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        waitAllDead(all, Duration.ofSeconds(5));
        List<ProcessHandle> survivors = new ArrayList<>();
        for (ProcessHandle p : all) {
            if (p.isAlive()) {
                survivors.add(p);
            }
        }
        return survivors;
    }

    private static void waitAllDead(Set<ProcessHandle> processes, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline && processes.stream().anyMatch(ProcessHandle::isAlive)) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
