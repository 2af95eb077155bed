package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Causal scaled-dot-product attention, softmax(Q K^T / sqrt(d) + causal mask) V, in one of three forms.
 *
 * <p>The SDPA forms go through libtorch's {@code scaled_dot_product_attention}: FlashAttention-2 on Ampere/Hopper
 * GPUs, a fused flash kernel on CPU, which on CPU runs far below the machine's matmul rate (bf16 ~5, fp32 ~22
 * GFLOP/s measured on the 2-core development machine). The MATMUL form is Megatron's classic unfused attention:
 * scaled and masked scores from a batched bf16 matmul, a softmax computed in fp32, bf16 probabilities for the
 * second matmul; it materializes the (T x T) scores, which costs memory but runs on the fast matmul kernels.
 * docs/benchmarks.md has the measurements behind the CPU default.
 */
public enum AttentionKernel {
    /** SDPA in the activations' own dtype: FlashAttention-2, the CUDA path. */
    SDPA,
    /** SDPA on fp32 copies of q, k and v, the result cast back. */
    SDPA_FP32,
    /** Unfused: batched matmuls in the activations' dtype around a softmax computed in fp32 (Megatron's non-flash). */
    MATMUL;

    /**
     * Largest fp32 score tensor of one layer (B x heads x T x T) for which the CPU uses the unfused kernel. Measured
     * on the 100M benchmark model: 50 MB of scores (seq 512) ran attention 8x faster than SDPA_FP32, 200 MB
     * (seq 1024) far slower, its fresh score buffers dominated by page faults.
     */
    static final long MAX_CPU_SCORE_BYTES = 64L << 20;

    /**
     * The CPU kernel for a micro-batch of {@code batch} sequences of {@code seq} tokens over {@code heads} local
     * heads: MATMUL, several times faster on CPUs (docs/benchmarks.md), unless its (T x T) scores would exceed
     * 64 MB per layer, where the flash kernel's memory use wins.
     */
    public static AttentionKernel forCpu(long batch, long heads, long seq) {
        return batch * heads * seq * seq * 4 <= MAX_CPU_SCORE_BYTES ? MATMUL : SDPA_FP32;
    }

    /** The kernel for {@code device}: SDPA (FlashAttention-2) on a GPU, {@link #forCpu}'s choice elsewhere. */
    public static AttentionKernel forDevice(DeviceKind device, long batch, long heads, long seq) {
        return device == DeviceKind.CUDA ? SDPA : forCpu(batch, heads, seq);
    }

    /**
     * q: (B, heads, T, d); k, v: (B, kvHeads, S, d) with heads a multiple of kvHeads and S >= T -> (B, heads, T, d).
     * Query head h reads key/value head h / (heads / kvHeads), the grouping Hugging Face's repeat_kv uses. The T
     * queries are the last T of the S positions (S > T: they follow S - T cached ones), so query i sees keys
     * 0..S - T + i.
     */
    public Tensor attend(Tensor q, Tensor k, Tensor v) {
        if (this == MATMUL) {
            return unfused(q, k, v);
        }
        return this == SDPA ? sdpa(q, k, v)
                : sdpa(Tensors.atLeastFloat(q), Tensors.atLeastFloat(k), Tensors.atLeastFloat(v)).to(Tensors.dtype(q));
    }

    /**
     * q: (B, heads, Tq, d), k, v: (B, kvHeads, Tk, d), the queries being the last Tq of the Tk positions ->
     * (B, heads, Tq, d). The g = heads / kvHeads query heads of a key/value head are stacked as g x Tq rows against
     * that head's Tk keys, so grouped-query attention needs no copies of k and v. The scores come from one batched
     * matmul that also scales them and adds the causal mask (0 where the key is not after the query, -inf where it
     * is); the softmax reads and writes the activations' dtype and computes in fp32 inside (libtorch's CPU kernel,
     * like Megatron's fused scale-mask-softmax), so no fp32 copy of the scores or of the probabilities is made.
     */
    private static Tensor unfused(Tensor q, Tensor k, Tensor v) {
        long b = q.size(0);
        long heads = q.size(1);
        long tq = q.size(2);
        long d = q.size(3);
        long kvHeads = k.size(1);
        long tk = k.size(2);
        long groups = heads / kvHeads;
        Tensor future = torch.full(new long[] {tq, tk}, Tensors.scalar(Double.NEGATIVE_INFINITY),
                q.options()).triu(1 + tk - tq);                                        // (Tq, Tk)
        Tensor mask = groups == 1 ? future : future.repeat(groups, 1);                   // (g x Tq, Tk)
        Tensor scores = torch.baddbmm(mask, q.reshape(b * kvHeads, groups * tq, d),
                k.transpose(-2, -1).reshape(b * kvHeads, d, tk), Tensors.scalar(1),
                Tensors.scalar(1.0 / Math.sqrt(d)));                                    // (B x kvHeads, g x Tq, Tk)
        Tensor probabilities = torch.softmax(scores, -1, new ScalarTypeOptional());
        return torch.bmm(probabilities, v.reshape(b * kvHeads, tk, d)).view(b, heads, tq, d);
    }

    /**
     * libtorch's SDPA with {@code enable_gqa} when there are fewer key/value heads than query heads: each query
     * head reads its group's key/value head in place, so no {@code repeat_interleave} copies of k and v are made
     * (and their backward need not sum the copies' gradients), and FlashAttention-2 can run on CUDA. On the CPU's
     * fused kernel it was measured no slower than the copies (docs/benchmarks.md).
     */
    private static Tensor sdpa(Tensor q, Tensor k, Tensor v) {
        long t = q.size(2);
        long s = k.size(2);
        boolean grouped = q.size(1) != k.size(1);
        if (t == s || t == 1) {                  // causal from position 0, or one new token that sees everything
            return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, t > 1,
                    new DoubleOptional(), grouped);
        }
        // SDPA's is_causal aligns the mask to the top left; queries after a cache need it shifted by S - T.
        Tensor visible = torch.ones(new long[] {t, s}, Tensors.optionsLike(q, ScalarType.Bool)).tril(s - t);  // (T, S)
        return torch.scaled_dot_product_attention(q, k, v, new TensorOptional(visible), 0.0, false,
                new DoubleOptional(), grouped);
    }
}
