package org.llemma4j.parallel.device.cuda;

import java.util.Locale;
import org.bytedeco.pytorch.SizeTPair;
import org.bytedeco.pytorch.cuda.DeviceStats;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch_cuda;
import org.llemma4j.parallel.device.Bytes;
import org.llemma4j.parallel.device.DatasheetPeak;
import org.llemma4j.parallel.device.DeviceBackend;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.DeviceTimer;
import org.llemma4j.parallel.device.MemoryStats;
import org.llemma4j.parallel.device.SyncDebugMode;

/**
 * One GPU, {@code cuda:index}: made the current device of the constructing thread, then asked for its name and
 * memory once. Memory statistics are the caching allocator's (what tensors hold and what it reserved from the
 * driver), not the host's; the peak for MFU is the datasheet's for the reported name.
 */
public final class CudaBackend implements DeviceBackend {

    private final int index;
    private final byte deviceIndex;
    private final String gpuName;
    private final long totalBytes;

    /** Called by name from {@code ComputeDevice.select} once CUDA is selected and the index checked. */
    public CudaBackend(int index) {
        if (index < 0 || index > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("CUDA device index " + index + " must be in 0.." + Byte.MAX_VALUE);
        }
        this.index = index;
        this.deviceIndex = (byte) index;
        torch_cuda.set_device(deviceIndex);
        this.gpuName = CudaDeviceName.of(deviceIndex);
        try (SizeTPair freeAndTotal = torch.getMemoryInfo(deviceIndex)) {
            this.totalBytes = freeAndTotal.second();
        }
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.CUDA;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "cuda:%d, %s, %s", index, gpuName, Bytes.gib(totalBytes));
    }

    @Override
    public long totalMemoryBytes() {
        return totalBytes;
    }

    @Override
    public int ranksSharingMemory() {
        return 1;
    }

    @Override
    public void makeCurrent() {
        torch_cuda.set_device(deviceIndex);
    }

    @Override
    public void synchronize() {
        torch.cuda_synchronize(index);
    }

    @Override
    public MemoryStats memory() {
        // allocated_bytes() and reserved_bytes() are the first element of each StatArray: the aggregate over the
        // small and large pools.
        try (DeviceStats stats = torch.getDeviceStats(deviceIndex)) {
            return new MemoryStats(MemoryStats.Source.CUDA_CACHING_ALLOCATOR, stats.allocated_bytes().current(),
                    stats.allocated_bytes().peak(), stats.reserved_bytes().current(), stats.reserved_bytes().peak());
        }
    }

    @Override
    public boolean resetPeakMemory() {
        torch.resetPeakStats(deviceIndex);
        return true;
    }

    @Override
    public DeviceTimer timer() {
        return new CudaEventTimer();
    }

    @Override
    public double bf16PeakFlops() {
        return DatasheetPeak.requireBf16Flops(gpuName, "cuda:" + index);
    }

    @Override
    public void seed(long seed) {
        torch.manual_seed(seed);
        torch.cuda_manual_seed_all(seed);
    }

    @Override
    public void setSyncDebugMode(SyncDebugMode mode) {
        torch_cuda.SyncDebugMode level = switch (mode) {
            case OFF -> torch_cuda.SyncDebugMode.L_DISABLED;
            case WARN -> torch_cuda.SyncDebugMode.L_WARN;
            case ERROR -> torch_cuda.SyncDebugMode.L_ERROR;
        };
        torch_cuda.warning_state().set_sync_debug_mode(level);
    }
}
