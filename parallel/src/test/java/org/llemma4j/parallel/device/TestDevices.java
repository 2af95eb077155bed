package org.llemma4j.parallel.device;

/** Devices that only tests build. */
public final class TestDevices {

    private TestDevices() {
    }

    /**
     * {@code cuda:index} as a successful selection reports it, on a machine where no CUDA class can be initialised:
     * it reaches the code that runs after selection (NCCL's class initialisation, the device checks of the
     * distributed setup) with the CPU natives. Anything that would need the GPU itself throws.
     */
    public static ComputeDevice unreachableCuda(int index) {
        return unreachableCuda(index, -1);
    }

    /** As {@link #unreachableCuda(int)}, reporting {@code totalBytes} of device memory (for the fit check). */
    public static ComputeDevice unreachableCuda(int index, long totalBytes) {
        return new ComputeDevice(new UnreachableCudaBackend(index, totalBytes));
    }

    private record UnreachableCudaBackend(int index, long totalBytes) implements DeviceBackend {

        @Override
        public DeviceKind kind() {
            return DeviceKind.CUDA;
        }

        @Override
        public String description() {
            return "cuda:" + index + ", selected on a machine without a GPU";
        }

        @Override
        public void makeCurrent() {
            // nothing to make current; the distributed setup calls this before building groups
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
        public void synchronize() {
            throw unreachable();
        }

        @Override
        public MemoryStats memory() {
            throw unreachable();
        }

        @Override
        public boolean resetPeakMemory() {
            throw unreachable();
        }

        @Override
        public DeviceTimer timer() {
            throw unreachable();
        }

        @Override
        public double bf16PeakFlops() {
            throw unreachable();
        }

        @Override
        public void seed(long seed) {
            throw unreachable();
        }

        @Override
        public void setSyncDebugMode(SyncDebugMode mode) {
            throw unreachable();
        }

        private UnsupportedOperationException unreachable() {
            return new UnsupportedOperationException("cuda:" + index + " is not reachable on this machine");
        }
    }
}
