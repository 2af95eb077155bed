package org.llemma4j.parallel.device;

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
public final class MatmulPeak {

    private MatmulPeak() {
    }

    /** FLOP/s of a square bf16 matmul of side {@code n} on the CPU, best of {@code reps} after one warm-up. */
    public static double measureCpuBf16(int n, int reps) {
        return measureCpuBf16(n, reps, System::nanoTime);
    }

    /** As above, timed by {@code clock} (nanoseconds): a benchmark that counts CPU time measures its peak so too. */
    public static double measureCpuBf16(int n, int reps, LongSupplier clock) {
        if (n < 1 || reps < 1) {
            throw new IllegalArgumentException("matmul side " + n + " and repetitions " + reps + " must be >= 1");
        }
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
