package org.llemma4j.parallel.device;

import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's {@code meta} device: tensors with shapes and dtypes but no storage, so a 7B model's buffers cost
 * nothing. Computes nothing either, so it has no peak, and nothing to synchronise or count.
 */
final class MetaBackend implements DeviceBackend {

    @Override
    public DeviceKind kind() {
        return DeviceKind.META;
    }

    @Override
    public int index() {
        return -1;
    }

    @Override
    public String description() {
        return "meta (shapes and dtypes only, allocates nothing)";
    }

    @Override
    public long totalMemoryBytes() {
        return 0;
    }

    @Override
    public int ranksSharingMemory() {
        return 1;
    }

    @Override
    public void makeCurrent() {
        // not a physical device
    }

    @Override
    public void synchronize() {
        // nothing runs
    }

    @Override
    public MemoryStats memory() {
        return MemoryStats.none();
    }

    @Override
    public boolean resetPeakMemory() {
        return true;
    }

    @Override
    public DeviceTimer timer() {
        return new HostTimer();
    }

    @Override
    public double bf16PeakFlops() {
        throw new DeviceException("the meta device computes nothing and has no peak FLOP/s: set peak_tflops to"
                + " compute MFU against a chosen peak");
    }

    @Override
    public void seed(long seed) {
        // initialisers drawn on meta tensors still go through the CPU generator
        torch.manual_seed(seed);
    }

    @Override
    public void setSyncDebugMode(SyncDebugMode mode) {
        // nothing runs, nothing synchronises
    }
}
