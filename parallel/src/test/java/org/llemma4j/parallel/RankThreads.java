package org.llemma4j.parallel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Runs one body per rank, each on its own thread (so each with its own store client and process groups), and
 * collects what each rank threw. Bounded: a thread still running after the deadline is reported, not awaited.
 */
final class RankThreads {

    interface Body {
        void run(int rank) throws Exception;
    }

    private RankThreads() {
    }

    /** Runs {@code body} for ranks 0..world-1; returns each rank's failure ({@code null} for success). */
    static List<Throwable> run(int world, Duration deadline, Body body) throws InterruptedException {
        AtomicReferenceArray<Throwable> failures = new AtomicReferenceArray<>(world);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            final int rank = r;
            Thread t = new Thread(() -> {
                try {
                    body.run(rank);
                } catch (Throwable e) {
                    failures.set(rank, e);
                }
            }, "rank-" + r);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long end = System.nanoTime() + deadline.toNanos();
        List<Throwable> result = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            Thread t = threads.get(r);
            t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                result.add(new AssertionError("rank " + r + " still running after " + deadline.toSeconds() + " s"));
            } else {
                result.add(failures.get(r));
            }
        }
        return result;
    }

    /** Runs and fails with every rank's error if any rank failed. */
    static void runAll(int world, Duration deadline, Body body) throws InterruptedException {
        List<Throwable> failures = run(world, deadline, body);
        AssertionError all = null;
        for (int r = 0; r < world; r++) {
            Throwable f = failures.get(r);
            if (f != null) {
                if (all == null) {
                    all = new AssertionError("rank " + r + " failed: " + f, f);
                } else {
                    all.addSuppressed(new AssertionError("rank " + r + " failed: " + f, f));
                }
            }
        }
        if (all != null) {
            throw all;
        }
    }
}
