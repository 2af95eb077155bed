package org.llemma4j.trainer.train;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns SIGTERM (how SLURM preempts a job, and how the launcher stops its ranks) into a stop at the next step
 * boundary: the JVM's shutdown hook raises the flag, then holds the JVM open until the training loop has finished
 * its step and said so with {@link #finished()}, or until the grace period runs out.
 */
public final class StopSignal {

    private static final Logger LOG = LoggerFactory.getLogger(StopSignal.class);

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    private StopSignal() {
    }

    /** A signal nobody raises except {@link #request()}: for tests and embedded use. */
    public static StopSignal manual() {
        return new StopSignal();
    }

    /** A signal raised by JVM shutdown (SIGTERM, SIGINT), which waits up to {@code grace} for the loop. */
    public static StopSignal onShutdown(Duration grace) {
        StopSignal signal = new StopSignal();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (signal.done.getCount() == 0) {
                return;                                  // training already over: a normal exit
            }
            LOG.warn("stop requested (SIGTERM or SIGINT): finishing the current step");
            signal.request();
            try {
                if (!signal.done.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.error("the training loop did not stop within {} s", grace.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-signal"));
        return signal;
    }

    public void request() {
        requested.set(true);
    }

    public boolean requested() {
        return requested.get();
    }

    /** The training loop has stopped; the JVM may exit. */
    public void finished() {
        done.countDown();
    }
}
