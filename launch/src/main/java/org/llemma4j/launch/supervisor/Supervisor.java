package org.llemma4j.launch.supervisor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.llemma4j.parallel.FreePort;

/**
 * Runs the ranks of this node as child JVMs and watches them.
 *
 * <pre>{@code
 * LaunchSpec spec = LaunchSpec.local("org.llemma4j.trainer.TrainMain", List.of("--config", "tiny.yaml"), 2)
 *         .withMaxRestarts(1);
 * SupervisorResult result = new Supervisor(spec, System.out).run();
 * return result.exitCode();
 * }</pre>
 *
 * <p>Each child gets {@code RANK}, {@code LOCAL_RANK}, {@code WORLD_SIZE}, {@code LOCAL_WORLD_SIZE},
 * {@code MASTER_ADDR}, {@code MASTER_PORT} (and {@code TORCHELASTIC_RESTART_COUNT}); its output lines are printed
 * with a {@code [rank N]} prefix. When a child exits non-zero or dies, the others are stopped (SIGTERM, then SIGKILL
 * after the grace period, helper processes included), and either all ranks are restarted (up to
 * {@code maxRestarts} times) or {@link #run()} returns a result naming the failing rank, its exit status and its
 * last lines. A JVM shutdown hook stops the children when the supervisor itself is interrupted or terminated, so
 * SIGINT/SIGTERM to the supervisor reach every rank and nothing is left behind.
 */
public final class Supervisor {

    /** How often the children are polled: failures are seen within this, plus the grace period. */
    private static final long POLL_MILLIS = 50;
    /** How long to wait for a dead rank's last output to be copied before reporting it. */
    private static final long DRAIN_MILLIS = 2000;

    private final LaunchSpec spec;
    private final PrintStream out;
    private final List<RankProcess> running = new ArrayList<>();
    /**
     * Every descendant of a rank seen while it ran. A rank that dies leaves its own children re-parented to init,
     * where they can no longer be found from it; remembering them is how they are still stopped.
     */
    private final Set<ProcessHandle> seenDescendants = ConcurrentHashMap.newKeySet();
    /** Descendants are listed every this many polls (listing walks /proc, so not at every poll). */
    private static final int DESCENDANT_SCAN_EVERY = 10;
    private volatile boolean stopRequested;

    public Supervisor(LaunchSpec spec, PrintStream out) {
        this.spec = spec;
        this.out = out;
    }

    /**
     * Launches all local ranks and blocks until they all exit 0, or one fails and the restarts are used up, or
     * {@link #stop()} is called. Progress lines ({@code [supervisor] ...}) and the ranks' output go to the stream
     * given at construction; the final {@link SupervisorResult#message()} is for the caller to print.
     */
    public SupervisorResult run() {
        Thread hook = new Thread(this::stopChildrenNow, "supervisor-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            int attempt = 0;
            while (true) {
                SupervisorResult result = runOnce(attempt);
                if (result.succeeded() || stopRequested || attempt >= spec.maxRestarts()) {
                    return result;
                }
                attempt++;
                say(result.message());
                say("restarting all " + spec.nprocPerNode() + " local ranks (restart " + attempt + " of "
                        + spec.maxRestarts() + ")");
            }
        } finally {
            stopChildrenNow();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook is running or has run: it did the same cleanup.
            }
        }
    }

    private SupervisorResult runOnce(int attempt) {
        int port = spec.masterPort() == 0 ? FreePort.pick() : spec.masterPort();
        say(String.format(Locale.ROOT, "starting %d ranks (%d..%d of world %d), master %s:%d, attempt %d",
                spec.nprocPerNode(), spec.globalRank(0), spec.globalRank(spec.nprocPerNode() - 1), spec.worldSize(),
                spec.masterAddr(), port, attempt));
        synchronized (running) {
            running.clear();
            for (int local = 0; local < spec.nprocPerNode(); local++) {
                if (stopRequested) {
                    break;
                }
                try {
                    running.add(RankProcess.start(spec, local, port, attempt, out));
                } catch (RuntimeException e) {
                    stopChildrenNow();
                    return new SupervisorResult(1, "could not start rank " + spec.globalRank(local) + ": "
                            + e.getMessage(), attempt, spec.globalRank(local), List.of());
                }
            }
        }
        List<RankProcess> ranks;
        synchronized (running) {
            ranks = new ArrayList<>(running);
        }
        for (int poll = 0; ; poll++) {
            if (poll % DESCENDANT_SCAN_EVERY == 0) {
                for (RankProcess r : ranks) {
                    r.handle().descendants().forEach(seenDescendants::add);
                }
            }
            if (stopRequested) {
                stopChildrenNow();
                return new SupervisorResult(130, "stopped on request", attempt, -1, List.of());
            }
            boolean allDone = true;
            for (RankProcess r : ranks) {
                if (r.isAlive()) {
                    allDone = false;
                } else if (r.exitValue() != 0) {
                    return failure(r, ranks, attempt);
                }
            }
            if (allDone) {
                for (RankProcess r : ranks) {
                    r.lastLines(DRAIN_MILLIS);
                }
                return new SupervisorResult(0, "all " + ranks.size() + " ranks exited 0", attempt, -1, List.of());
            }
            sleep();
        }
    }

    /** Stops the other ranks, then describes the failure. */
    private SupervisorResult failure(RankProcess failed, List<RankProcess> ranks, int attempt) {
        int status = failed.exitValue();
        long start = System.nanoTime();
        List<ProcessHandle> survivors = ProcessTrees.stop(allKnownProcesses(), spec.gracePeriod());
        List<String> tail = failed.lastLines(DRAIN_MILLIS);
        for (RankProcess r : ranks) {
            r.lastLines(DRAIN_MILLIS);
        }
        StringBuilder m = new StringBuilder();
        m.append("rank ").append(failed.rank()).append(" (local rank ")
                .append(failed.rank() - spec.globalRank(0)).append(") failed with ").append(describe(status))
                .append("; stopped the other ").append(ranks.size() - 1).append(" local ranks in ")
                .append(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9)).append(" s");
        if (!survivors.isEmpty()) {
            m.append("; WARNING: processes still alive: ").append(survivors.stream().map(ProcessHandle::pid).toList());
        }
        if (tail.isEmpty()) {
            m.append("; it printed nothing");
        } else {
            m.append("; its last ").append(tail.size()).append(" lines:");
            for (String line : tail) {
                m.append(System.lineSeparator()).append("  [rank ").append(failed.rank()).append("] ").append(line);
            }
        }
        int code = status > 0 ? status : 1;
        return new SupervisorResult(code, m.toString(), attempt, failed.rank(), tail);
    }

    /** Exit statuses above 128 are how a shell (and Java) reports death by signal 128+N. */
    static String describe(int status) {
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            String name = switch (signal) {
                case 2 -> "SIGINT";
                case 6 -> "SIGABRT";
                case 9 -> "SIGKILL";
                case 11 -> "SIGSEGV";
                case 15 -> "SIGTERM";
                default -> "signal " + signal;
            };
            return "exit status " + status + " (killed by signal " + signal + ", " + name
                    + (signal == 9 ? "; out of memory?" : "") + ")";
        }
        return "exit status " + status;
    }

    /**
     * Asks a running {@link #run()} (in another thread) to stop all ranks and return. Also what the shutdown hook
     * does on SIGINT/SIGTERM of the supervisor.
     */
    public void stop() {
        stopRequested = true;
    }

    /** The child processes of the current attempt (for monitoring and tests). */
    public List<ProcessHandle> children() {
        synchronized (running) {
            List<ProcessHandle> handles = new ArrayList<>();
            for (RankProcess r : running) {
                handles.add(r.handle());
            }
            return handles;
        }
    }

    private void stopChildrenNow() {
        List<ProcessHandle> all = allKnownProcesses();
        if (all.stream().anyMatch(ProcessHandle::isAlive)) {
            ProcessTrees.stop(all, spec.gracePeriod());
        }
    }

    /** The ranks and every descendant seen so far (ProcessHandle equality includes the start time: no pid reuse). */
    private List<ProcessHandle> allKnownProcesses() {
        List<ProcessHandle> all = new ArrayList<>(children());
        for (ProcessHandle p : seenDescendants) {
            if (!all.contains(p)) {
                all.add(p);
            }
        }
        return all;
    }

    private void say(String message) {
        synchronized (out) {
            out.println("[supervisor] " + message);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("supervisor interrupted", e);
        }
    }
}
