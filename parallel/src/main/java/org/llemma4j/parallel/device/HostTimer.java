package org.llemma4j.parallel.device;

import java.util.function.LongSupplier;

/**
 * A {@link DeviceTimer} on a host clock: exact for the CPU, whose operations finish on return. The device's timer
 * reads the monotonic wall clock; a benchmark may give another clock in nanoseconds (a thread's CPU time, which
 * other processes do not inflate).
 */
public final class HostTimer implements DeviceTimer {

    private final LongSupplier clock;
    private long startedAt = -1;
    private long totalNanos;
    private int intervals;

    HostTimer() {
        this(System::nanoTime);
    }

    /** A timer on {@code clock}, a reading in nanoseconds. */
    public HostTimer(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void start() {
        if (startedAt >= 0) {
            throw new IllegalStateException("timer started twice without stop()");
        }
        startedAt = clock.getAsLong();
    }

    @Override
    public void stop() {
        if (startedAt < 0) {
            throw new IllegalStateException("timer stopped without start()");
        }
        totalNanos += clock.getAsLong() - startedAt;
        startedAt = -1;
        intervals++;
    }

    @Override
    public double seconds() {
        if (startedAt >= 0) {
            throw new IllegalStateException("timer read while an interval runs: stop() it first");
        }
        return totalNanos / 1e9;
    }

    @Override
    public int intervals() {
        return intervals;
    }

    @Override
    public void reset() {
        if (startedAt >= 0) {
            throw new IllegalStateException("timer reset while an interval runs: stop() it first");
        }
        totalNanos = 0;
        intervals = 0;
    }

    @Override
    public void close() {
        // nothing native to release
    }
}
