package org.llemma4j.parallel.device;

import java.util.Locale;
import org.bytedeco.pytorch.global.torch;

/**
 * The host's cores. Operations finish before they return, so there is nothing to synchronise; memory is the
 * process's resident set; the peak is measured, because CPUs publish none that a VM delivers.
 */
final class CpuBackend implements DeviceBackend {

    /** Side of the square bf16 matmul whose rate is the CPU's peak (the one {@code launch bench} reports). */
    private static final int PEAK_MATMUL_SIDE = 2048;
    private static final int PEAK_REPETITIONS = 3;

    private final int hostRanks;

    /** @param hostRanks ranks of this job on this host, which share its memory */
    CpuBackend(int hostRanks) {
        if (hostRanks < 1) {
            throw new IllegalArgumentException("ranks on this host " + hostRanks + " must be >= 1");
        }
        this.hostRanks = hostRanks;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.CPU;
    }

    @Override
    public int index() {
        return -1;
    }

    @Override
    public String description() {
        int threads = torch.get_num_threads();
        String shared = hostRanks > 1 ? ", shared by " + hostRanks + " ranks" : "";
        return String.format(Locale.ROOT, "cpu, %s, %d thread%s, %s%s", HostCpu.modelName(), threads,
                threads == 1 ? "" : "s", Bytes.gib(totalMemoryBytes()), shared);
    }

    @Override
    public long totalMemoryBytes() {
        return HostMemory.totalBytes();
    }

    @Override
    public int ranksSharingMemory() {
        return hostRanks;
    }

    @Override
    public void makeCurrent() {
        // one host: nothing to choose
    }

    @Override
    public void synchronize() {
        // CPU operations have finished when they return
    }

    @Override
    public MemoryStats memory() {
        return HostMemory.stats();
    }

    @Override
    public boolean resetPeakMemory() {
        return HostMemory.resetPeak();
    }

    @Override
    public DeviceTimer timer() {
        return new HostTimer();
    }

    @Override
    public double bf16PeakFlops() {
        return MatmulPeak.measureCpuBf16(PEAK_MATMUL_SIDE, PEAK_REPETITIONS);
    }

    @Override
    public void seed(long seed) {
        torch.manual_seed(seed);
    }

    @Override
    public void setSyncDebugMode(SyncDebugMode mode) {
        // the host never waits for a device: there is no hidden synchronisation to report
    }
}
