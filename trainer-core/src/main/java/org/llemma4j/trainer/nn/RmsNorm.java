package org.llemma4j.trainer.nn;

import static org.llemma4j.trainer.tensor.Tensors.scalar;

import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Root-mean-square normalization, y = x / sqrt(mean(x^2) + eps) * g. The statistic is taken in fp32 whatever the
 * input dtype (a bf16 mean over 4096 features loses the low bits that matter); the result is cast back before
 * the gain is applied, as Hugging Face's Llama does.
 */
public final class RmsNorm {

    private final Tensor gain;     // gain: (H,) training dtype
    private final double eps;

    public RmsNorm(Tensor gain, double eps) {
        this.gain = gain;
        this.eps = eps;
    }

    /** x: (..., H) in the training dtype -> (..., H) same dtype. */
    public Tensor forward(Tensor x) {
        // mean(x^2) as |x|^2 / H from a norm accumulated in fp32 straight from x: no fp32 copy of x is made, and
        // x (bf16) times the fp32 statistic is computed in fp32 by type promotion.
        Tensor norm = torch.linalg_vector_norm(x, scalar(2), new long[] {-1}, true,
                new ScalarTypeOptional(Tensors.atLeastFloatType(x)));                  // (..., 1) fp32
        Tensor inverseRms = norm.square().div(scalar(x.size(-1))).add(scalar(eps)).rsqrt();
        return x.mul(inverseRms).to(Tensors.dtype(x)).mul(gain);
    }
}
