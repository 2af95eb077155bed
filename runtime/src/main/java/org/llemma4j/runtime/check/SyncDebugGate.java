package org.llemma4j.runtime.check;

import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.SyncDebugMode;
import org.llemma4j.trainer.tensor.HostReadGate;

/**
 * Keeps libtorch's CUDA sync-debug mode at error between the trainer's host reads, from the end of the first step
 * to the last step's read: the first step runs without it (one-time setup), each read itself runs without it (it is
 * the step's one intended synchronisation), and so does whatever follows the last read (the final log line, the
 * run's summary).
 */
final class SyncDebugGate implements HostReadGate {

    private final ComputeDevice device;
    private final int steps;
    private int reads;

    /** For a run of {@code steps} steps, each ending in one host read. */
    SyncDebugGate(ComputeDevice device, int steps) {
        this.device = device;
        this.steps = steps;
    }

    @Override
    public void beforeRead() {
        device.setSyncDebugMode(SyncDebugMode.OFF);
    }

    @Override
    public void afterRead() {
        reads++;
        if (reads < steps) {
            device.setSyncDebugMode(SyncDebugMode.ERROR);
        }
    }

    /** Host reads seen so far. */
    int reads() {
        return reads;
    }
}
