package org.llemma4j.parallel.device;

/**
 * libtorch's CUDA synchronisation debug mode: what happens when an operation makes the host wait for the GPU
 * (an {@code item()}, a non-blocking copy to pageable memory, ...). The GPU check runs a steady-state step with
 * {@link #ERROR} to prove that the step synchronises only where it means to.
 */
public enum SyncDebugMode {
    /** Synchronisations pass silently (the default). */
    OFF,
    /** Each synchronisation logs a warning. */
    WARN,
    /** Each synchronisation throws. */
    ERROR
}
