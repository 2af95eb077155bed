package org.llemma4j.trainer.tp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.FreePort;

/**
 * One thread per rank, each joining a real rendezvous on loopback and building its own Gloo groups; bounded by a
 * deadline, after which a rank still running is reported as a failure. Public for other packages' multi-rank
 * tests.
 */
public final class RankThreads {

    public interface Body {
        void run(Distributed dist) throws Exception;
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private RankThreads() {
    }

    /** Runs {@code body} on ranks 0..world-1 with tensor-parallel degree {@code tp}; fails with every rank's error. */
    public static void runAll(int world, int tp, Duration deadline, Body body) throws InterruptedException {
        int port = FreePort.pick();
        AtomicReferenceArray<Throwable> failures = new AtomicReferenceArray<>(world);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            final int rank = r;
            Thread t = new Thread(() -> {
                DistEnv env = DistEnv.fromEnvironment(Map.of("RANK", "" + rank, "WORLD_SIZE", "" + world,
                        "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port));
                try (Distributed dist = Distributed.init(env, DistOptions.cpu(tp).withTimeouts(TIMEOUT, TIMEOUT))) {
                    body.run(dist);
                } catch (Throwable e) {
                    failures.set(rank, e);
                }
            }, "rank-" + r);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long end = System.nanoTime() + deadline.toNanos();
        AssertionError all = null;
        for (int r = 0; r < world; r++) {
            Thread t = threads.get(r);
            t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            Throwable f = t.isAlive()
                    ? new AssertionError("rank " + r + " still running after " + deadline.toSeconds() + " s")
                    : failures.get(r);
            if (f != null) {
                AssertionError e = new AssertionError("rank " + r + " failed: " + f, f);
                if (all == null) {
                    all = e;
                } else {
                    all.addSuppressed(e);
                }
            }
        }
        if (all != null) {
            throw all;
        }
    }
}
