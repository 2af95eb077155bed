package org.llemma4j.runtime.bench;

import org.llemma4j.parallel.device.DeviceTimer;

/**
 * A {@link DeviceTimer} on a {@link BenchClock}, for the CPU, whose operations finish on return: with
 * {@link BenchClock#CPU} it counts the calling thread's CPU time, which other processes do not inflate.
 */
final class ClockTimer implements DeviceTimer {

    private final BenchClock clock;
    private long startedAt = -1;
    private long totalNanos;
    private int intervals;

    ClockTimer(BenchClock clock) {
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
        return totalNanos / 1e9;
    }

    @Override
    public int intervals() {
        return intervals;
    }

    @Override
    public void reset() {
        totalNanos = 0;
        intervals = 0;
    }

    @Override
    public void close() {
        // nothing native
    }
}
