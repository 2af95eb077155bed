package org.llemma4j.parallel.device;

/** A {@link DeviceTimer} on the host's monotonic clock: exact for the CPU, whose operations finish on return. */
final class HostTimer implements DeviceTimer {

    private long startedAt = -1;
    private long totalNanos;
    private int intervals;

    @Override
    public void start() {
        if (startedAt >= 0) {
            throw new IllegalStateException("timer started twice without stop()");
        }
        startedAt = System.nanoTime();
    }

    @Override
    public void stop() {
        if (startedAt < 0) {
            throw new IllegalStateException("timer stopped without start()");
        }
        totalNanos += System.nanoTime() - startedAt;
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
