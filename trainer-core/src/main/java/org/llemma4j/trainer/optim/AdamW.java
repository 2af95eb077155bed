package org.llemma4j.trainer.optim;

import static org.llemma4j.trainer.tensor.Tensors.scalar;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The AdamW update (decoupled weight decay, Loshchilov and Hutter) as a pure function of one range of the flat
 * buffers: whoever owns a range, the whole buffer (no ZeRO) or a data-parallel shard of it (ZeRO-1), applies the
 * same arithmetic to it, in a handful of elementwise operations over the range rather than one small operation
 * per parameter.
 */
public final class AdamW {

    /**
     * Elements updated at a time on the CPU. The update is about ten elementwise operations over the gradient, both
     * moments and the master weights; over whole buffers each would stream them from memory again, chunk by chunk
     * the four 1 MB pieces stay in cache from the first operation to the last (docs/benchmarks.md: 3x less time in
     * the optimizer). Every operation is elementwise, so the results are the same.
     */
    private static final long CPU_CHUNK = 1L << 18;

    /**
     * Elements updated at a time on a GPU: large enough that each chunk's ten kernel launches are nothing next to
     * its memory traffic, small enough that the one fp32 temporary (the denominator) stays at 256 MB instead of
     * 4 bytes per parameter of the range (13 GB for a 7B model at TP 2 without ZeRO), which the planner does not
     * count.
     */
    private static final long GPU_CHUNK = 1L << 26;

    private AdamW() {
    }

    /**
     * One step over a range of {@code n} elements, in place.
     *
     * @param master          (n,) fp32 master weights; updated
     * @param expAvg          (n,) fp32 first moment; updated
     * @param expAvgSq        (n,) fp32 second moment; updated
     * @param grad            (n,) fp32 gradient, already reduced; scaled in place by {@code clipCoefficient}
     * @param weights         (n,) the parameters in the training dtype; receive the new master weights
     * @param decayed         how many leading elements of the range take weight decay (matrices come first)
     * @param lr              learning rate of this step
     * @param step            1-based index of this step, for the bias corrections
     * @param clipCoefficient the gradient's scale from global-norm clipping; 1 when not clipping
     */
    public static void step(Tensor master, Tensor expAvg, Tensor expAvgSq, Tensor grad, Tensor weights, long decayed,
                            AdamWSettings settings, double lr, long step, double clipCoefficient) {
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double biasCorrection1 = 1 - Math.pow(b1, step);
        double biasCorrection2 = 1 - Math.pow(b2, step);
        boolean decaying = settings.weightDecay() > 0 && decayed > 0;
        long n = master.numel();
        long chunk = master.is_cuda() ? GPU_CHUNK : CPU_CHUNK;
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor denominatorBuffer = master.new_empty(new long[] {Math.min(n, chunk)});
            for (long first = 0; first < n; first += chunk) {
                long len = Math.min(chunk, n - first);
                try (PointerScope piece = new PointerScope()) {
                    Tensor g = grad.narrow(0, first, len);
                    Tensor m = expAvg.narrow(0, first, len);
                    Tensor v = expAvgSq.narrow(0, first, len);
                    Tensor w = master.narrow(0, first, len);
                    if (clipCoefficient < 1) {
                        g.mul_(scalar(clipCoefficient));
                    }
                    m.mul_(scalar(b1)).add_(g, scalar(1 - b1));
                    v.mul_(scalar(b2)).addcmul_(g, g, scalar(1 - b2));
                    Tensor denominator = torch.sqrt_out(denominatorBuffer.narrow(0, 0, len), v)
                            .div_(scalar(Math.sqrt(biasCorrection2))).add_(scalar(settings.eps()));
                    if (decaying && first < decayed) {
                        w.narrow(0, 0, Math.min(len, decayed - first)).mul_(scalar(1 - lr * settings.weightDecay()));
                    }
                    w.addcdiv_(m, denominator, scalar(-lr / biasCorrection1));
                    weights.narrow(0, first, len).copy_(w);
                }
            }
        }
    }
}
