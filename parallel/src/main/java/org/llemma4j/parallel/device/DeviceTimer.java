package org.llemma4j.parallel.device;

/**
 * Times intervals of the work a device runs, read only when asked (at log points), so timing adds no
 * synchronisation to the step. On CUDA each interval is a pair of timing events recorded on the current stream:
 * it covers the GPU's execution of what was queued between {@link #start()} and {@link #stop()}, not the host's
 * time to queue it. On the CPU and {@code meta} it is the host's clock.
 *
 * <p>Owns native events on CUDA: close it. Use from one thread.
 */
public interface DeviceTimer extends AutoCloseable {

    /** Begins an interval. */
    void start();

    /** Ends the interval begun by the last {@link #start()}. */
    void stop();

    /**
     * Total seconds of the intervals ended since the last {@link #reset()}. On CUDA this waits until the device
     * has run the last interval: the one synchronisation a timer makes, so call it at log points only.
     */
    double seconds();

    /** Number of intervals ended since the last {@link #reset()}. */
    int intervals();

    /** Forgets the ended intervals (after {@link #seconds()} has read them). */
    void reset();

    @Override
    void close();
}
