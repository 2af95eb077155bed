package org.llemma4j.trainer.metrics;

import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.HostMemory;

/**
 * Resident memory of this process (native tensors included, unlike the heap), for the CPU's memory metrics. The
 * reading itself is {@link HostMemory}'s, which {@link ComputeDevice#memory()} reports on the CPU.
 */
public final class ProcessMemory {

    private ProcessMemory() {
    }

    /** Current resident set size in bytes, or -1 where /proc is not available. */
    public static long residentBytes() {
        return HostMemory.residentBytes();
    }

    /** Peak resident set size in bytes, or -1 where /proc is not available. */
    public static long peakResidentBytes() {
        return HostMemory.peakResidentBytes();
    }
}
