package org.llemma4j.trainer.metrics;

import java.util.function.LongSupplier;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.MatmulPeak;

/**
 * The denominator of MFU on a CPU: the bf16 matrix-multiply rate this process actually gets. The measurement is
 * {@link MatmulPeak}'s, which {@link ComputeDevice#peakFlops} uses on the CPU (a GPU's peak is its datasheet's).
 */
public final class PeakFlops {

    private PeakFlops() {
    }

    /** FLOP/s of a square bf16 matmul of side {@code n}, best of {@code reps} after one warm-up. */
    public static double measureCpuBf16Matmul(int n, int reps) {
        return MatmulPeak.measureCpuBf16(n, reps);
    }

    /** As above, timed by {@code clock} (nanoseconds): a benchmark that counts CPU time measures its peak so too. */
    public static double measureCpuBf16Matmul(int n, int reps, LongSupplier clock) {
        return MatmulPeak.measureCpuBf16(n, reps, clock);
    }
}
