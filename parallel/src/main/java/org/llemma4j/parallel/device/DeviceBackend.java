package org.llemma4j.parallel.device;

/**
 * What differs between the CPU, CUDA and {@code meta}: one implementation each, behind {@link ComputeDevice}, which
 * adds what they share (tensor options, the fit check, the peak override). Public only so that the CUDA
 * implementation can live in {@code device.cuda}, a package loaded by name on CUDA alone; nothing else implements
 * or calls it.
 */
public interface DeviceBackend {

    DeviceKind kind();

    /** The CUDA device index; -1 for the CPU and {@code meta} (libtorch's convention). */
    int index();

    /** One line for the start line: the device, its model and its memory. */
    String description();

    /** The device's memory in bytes (the host's for the CPU, 0 for {@code meta}); -1 where it cannot be read. */
    long totalMemoryBytes();

    /** Ranks that share {@link #totalMemoryBytes()}: the local ranks on the CPU, 1 on a GPU of its own. */
    int ranksSharingMemory();

    /** Makes this the calling thread's current device (CUDA's current device is per thread). */
    void makeCurrent();

    /** Waits until the device has run everything queued so far. */
    void synchronize();

    MemoryStats memory();

    /** @return false where the peak cannot be reset */
    boolean resetPeakMemory();

    /** A new timer; the caller owns it. */
    DeviceTimer timer();

    /** The dense bf16 peak in FLOP/s: the datasheet's on a GPU, measured on the CPU. */
    double bf16PeakFlops();

    /** Seeds every generator this device draws from. */
    void seed(long seed);

    void setSyncDebugMode(SyncDebugMode mode);
}
