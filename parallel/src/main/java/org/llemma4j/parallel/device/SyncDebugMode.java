package org.llemma4j.parallel.device;

/**
 * libtorch's CUDA synchronisation debug mode: what happens when an operation makes the host wait for the GPU
 * (an {@code item()}, a blocking copy to the host, a stream synchronisation, an operator whose output size depends
 * on values; not an explicit device synchronisation, an event wait, a collective, or a non-blocking copy from
 * pageable memory, which the driver makes synchronous without libtorch seeing it: docs/gpu.md). The GPU check runs
 * a steady-state step with {@link #ERROR} to prove that the step synchronises only where it means to.
 */
public enum SyncDebugMode {
    /** Synchronisations pass silently (the default). */
    OFF,
    /** Each synchronisation logs a warning. */
    WARN,
    /** Each synchronisation throws. */
    ERROR
}
