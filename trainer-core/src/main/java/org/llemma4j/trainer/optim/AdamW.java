package org.llemma4j.trainer.optim;

import static org.llemma4j.trainer.tensor.Tensors.scalar;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The AdamW update (decoupled weight decay, Loshchilov and Hutter) as a pure function of one range of the flat
 * buffers: whoever owns a range, the whole buffer (no ZeRO) or a data-parallel shard of it (ZeRO-1), applies the
 * same arithmetic to it. The update is a handful of whole-range operations, not one small operation per parameter.
 */
public final class AdamW {

    private AdamW() {
    }

    /**
     * One step over a range of {@code n} elements, in place.
     *
     * @param master   (n,) fp32 master weights; updated
     * @param expAvg   (n,) fp32 first moment; updated
     * @param expAvgSq (n,) fp32 second moment; updated
     * @param grad     (n,) fp32 gradient, already reduced and clipped
     * @param decayed  how many leading elements of the range take weight decay (matrices come first in the buffer)
     * @param lr       learning rate of this step
     * @param step     1-based index of this step, for the bias corrections
     */
    public static void step(Tensor master, Tensor expAvg, Tensor expAvgSq, Tensor grad, long decayed,
                            AdamWSettings settings, double lr, long step) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            double b1 = settings.beta1();
            double b2 = settings.beta2();
            expAvg.mul_(scalar(b1)).add_(grad, scalar(1 - b1));
            expAvgSq.mul_(scalar(b2)).addcmul_(grad, grad, scalar(1 - b2));
            double biasCorrection1 = 1 - Math.pow(b1, step);
            double biasCorrection2 = 1 - Math.pow(b2, step);
            Tensor denominator = expAvgSq.sqrt().div_(scalar(Math.sqrt(biasCorrection2))).add_(scalar(settings.eps()));
            if (settings.weightDecay() > 0 && decayed > 0) {
                master.narrow(0, 0, decayed).mul_(scalar(1 - lr * settings.weightDecay()));
            }
            master.addcdiv_(expAvg, denominator, scalar(-lr / biasCorrection1));
        }
    }
}
