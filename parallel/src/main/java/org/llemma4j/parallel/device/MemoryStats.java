package org.llemma4j.parallel.device;

/**
 * A device's memory as its allocator sees it, in bytes. On CUDA: the caching allocator's bytes held by tensors
 * ({@code current}/{@code peak}) and reserved from the driver ({@code reserved}/{@code peakReserved}); on the CPU
 * the process's resident set, which is both (freed memory stays with the C allocator); on {@code meta} nothing.
 * Peaks count from the process start or the last {@link ComputeDevice#resetPeakMemory()}.
 *
 * @param source where the figures come from
 * @param currentBytes allocated now; -1 where it cannot be read
 * @param peakBytes most allocated at once; -1 where it cannot be read
 * @param reservedBytes reserved now; -1 where it cannot be read
 * @param peakReservedBytes most reserved at once; -1 where it cannot be read
 */
public record MemoryStats(Source source, long currentBytes, long peakBytes, long reservedBytes,
                          long peakReservedBytes) {

    /** Which allocator was asked. */
    public enum Source {
        /** libtorch's CUDA caching allocator ({@code getDeviceStats}). */
        CUDA_CACHING_ALLOCATOR("allocated by the CUDA caching allocator"),
        /** The resident set of this process ({@code /proc/self/status}), native tensors included. */
        PROCESS_RESIDENT("resident set of the process"),
        /** Nothing is allocated: the meta device. */
        NONE("nothing allocated");

        private final String description;

        Source(String description) {
            this.description = description;
        }

        /** For log lines: what the figures measure. */
        public String description() {
            return description;
        }
    }

    public MemoryStats {
        if (source == null) {
            throw new IllegalArgumentException("memory statistics need a source");
        }
        requirePeak("allocated", currentBytes, peakBytes);
        requirePeak("reserved", reservedBytes, peakReservedBytes);
    }

    private static void requirePeak(String what, long current, long peak) {
        if (current < -1 || peak < -1) {
            throw new IllegalArgumentException(what + " bytes " + current + ", peak " + peak
                    + " must be >= 0 (or -1: unknown)");
        }
        if (current >= 0 && peak >= 0 && peak < current) {
            throw new IllegalArgumentException(what + " peak " + peak + " bytes is below the current " + current);
        }
    }

    /** The meta device's: nothing, ever. */
    public static MemoryStats none() {
        return new MemoryStats(Source.NONE, 0, 0, 0, 0);
    }
}
