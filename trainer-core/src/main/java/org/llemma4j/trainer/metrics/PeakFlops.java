package org.llemma4j.trainer.metrics;

import java.util.function.LongSupplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The denominator of MFU on a CPU: the bf16 matrix-multiply rate this process actually gets, measured with the
 * intra-op threads it trains with (CPUs publish no peak that a VM delivers).
 */
public final class PeakFlops {

    private PeakFlops() {
    }

    /** FLOP/s of a square bf16 matmul of side {@code n}, best of {@code reps} after one warm-up. */
    public static double measureCpuBf16Matmul(int n, int reps) {
        return measureCpuBf16Matmul(n, reps, System::nanoTime);
    }

    /** As above, timed by {@code clock} (nanoseconds): a benchmark that counts CPU time measures its peak so too. */
    public static double measureCpuBf16Matmul(int n, int reps, LongSupplier clock) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(new long[] {n, n}, new TensorOptions(ScalarType.BFloat16));
            Tensor b = torch.randn(new long[] {n, n}, new TensorOptions(ScalarType.BFloat16));
            torch.mm(a, b);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < reps; i++) {
                long start = clock.getAsLong();
                torch.mm(a, b);
                best = Math.min(best, clock.getAsLong() - start);
            }
            return 2.0 * n * n * n / (best / 1e9);
        }
    }
}
