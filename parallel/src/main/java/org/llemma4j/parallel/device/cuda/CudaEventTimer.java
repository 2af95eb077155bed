package org.llemma4j.parallel.device.cuda;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.cuda.CUDAEvent;
import org.llemma4j.parallel.OwnedPointer;
import org.llemma4j.parallel.device.DeviceTimer;

/**
 * Intervals between pairs of CUDA timing events recorded on the current stream. An event can only be recorded
 * again once read, so each interval since the last {@link #reset()} has its own pair; pairs are kept and reused
 * after a reset, so a timer that is read at every log point creates its events once.
 */
final class CudaEventTimer implements DeviceTimer {

    /** {@code cudaEventDefault}: timing on ({@code new CUDAEvent()} disables timing). */
    private static final int TIMING = 0;

    private final List<CUDAEvent[]> pairs = new ArrayList<>();
    private int ended;
    private boolean running;

    @Override
    public void start() {
        if (running) {
            throw new IllegalStateException("timer started twice without stop()");
        }
        if (ended == pairs.size()) {
            // The timer owns its events: a step's PointerScope open around start() must not free them.
            pairs.add(new CUDAEvent[] {OwnedPointer.retain(new CUDAEvent(TIMING)),
                    OwnedPointer.retain(new CUDAEvent(TIMING))});
        }
        pairs.get(ended)[0].record();
        running = true;
    }

    @Override
    public void stop() {
        if (!running) {
            throw new IllegalStateException("timer stopped without start()");
        }
        pairs.get(ended)[1].record();
        ended++;
        running = false;
    }

    @Override
    public double seconds() {
        if (running) {
            throw new IllegalStateException("timer read while an interval runs: stop() it first");
        }
        if (ended == 0) {
            return 0;
        }
        // Intervals may sit on different streams (compute, communication): wait for each end, which costs
        // nothing once the device has passed it.
        double millis = 0;
        for (int i = 0; i < ended; i++) {
            pairs.get(i)[1].synchronize();
            millis += pairs.get(i)[0].elapsed_time(pairs.get(i)[1]);
        }
        return millis / 1e3;
    }

    @Override
    public int intervals() {
        return ended;
    }

    @Override
    public void reset() {
        if (running) {
            throw new IllegalStateException("timer reset while an interval runs: stop() it first");
        }
        ended = 0;
    }

    @Override
    public void close() {
        for (CUDAEvent[] pair : pairs) {
            pair[0].releaseReference();
            pair[1].releaseReference();
        }
        pairs.clear();
        ended = 0;
    }
}
