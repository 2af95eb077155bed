package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Causal scaled-dot-product attention, softmax(Q K^T / sqrt(d) + causal mask) V, in one of two numerics.
 *
 * <p>Both go through libtorch's {@code scaled_dot_product_attention}: FlashAttention-2 on Ampere/Hopper GPUs, a
 * fused flash kernel on CPU. On CPU the bf16 kernel is several times slower than the fp32 one (measured: ~5 vs
 * ~30 GFLOP/s on the 2-core development machine), so the CPU default upcasts; see docs/benchmarks.md.
 */
public enum AttentionKernel {
    /** SDPA in the activations' own dtype: the CUDA path. */
    SDPA,
    /** SDPA on fp32 copies of q, k and v, the result cast back: the CPU path. */
    SDPA_FP32;

    /**
     * q: (B, heads, T, d); k, v: (B, kvHeads, T, d) with heads a multiple of kvHeads -> (B, heads, T, d).
     * Query head h reads key/value head h / (heads / kvHeads), the grouping Hugging Face's repeat_kv uses.
     */
    public Tensor attend(Tensor q, Tensor k, Tensor v) {
        long groups = q.size(1) / k.size(1);
        if (groups > 1) {
            k = k.repeat_interleave(groups, new LongOptional(1), new LongOptional());
            v = v.repeat_interleave(groups, new LongOptional(1), new LongOptional());
        }
        if (this == SDPA) {
            return sdpa(q, k, v);
        }
        return sdpa(Tensors.atLeastFloat(q), Tensors.atLeastFloat(k), Tensors.atLeastFloat(v)).to(Tensors.dtype(q));
    }

    private static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, true, new DoubleOptional(), false);
    }
}
