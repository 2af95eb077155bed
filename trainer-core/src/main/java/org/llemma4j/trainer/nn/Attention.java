package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * Grouped-query self-attention with RoPE. q, k and v projections are column-parallel (each tensor-parallel rank
 * owns whole heads, and whole key/value groups), the output projection row-parallel.
 *
 * <p>With an {@link AttentionCache} (generation) the input holds only the tokens after the cached ones: they are
 * rotated at their absolute positions, their keys and values are appended to the cache, and they attend to every
 * cached position and causally to each other. Without one (training) the input is the whole sequence.
 */
public final class Attention {

    private final Tensor wq;   // wq: (heads_local * d, H)
    private final Tensor wk;   // wk: (kvHeads_local * d, H)
    private final Tensor wv;   // wv: (kvHeads_local * d, H)
    private final Tensor wo;   // wo: (H, heads_local * d)
    private final long headDim;
    private final RotaryEmbedding rope;
    private final AttentionKernel kernel;
    private final TensorParallelPlan tp;

    public Attention(Tensor wq, Tensor wk, Tensor wv, Tensor wo, long headDim, RotaryEmbedding rope,
                     AttentionKernel kernel, TensorParallelPlan tp) {
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.headDim = headDim;
        this.rope = rope;
        this.kernel = kernel;
        this.tp = tp;
    }

    /** x: (B, T, H), the whole sequence -> (B, T, H). */
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * x: (B, T, H), the T tokens that follow {@code cache.length()} cached ones -> (B, T, H); appends their keys
     * and values to {@code cache}. A null cache means no earlier positions and nothing kept: {@link #forward(Tensor)}.
     */
    public Tensor forward(Tensor x, AttentionCache cache) {
        long b = x.size(0);
        long t = x.size(1);
        long past = cache == null ? 0 : cache.length();
        Tensor in = tp.copyToRegion(x);
        Tensor q = rope.apply(heads(torch.linear(in, wq), b, t), past);   // (B, heads_local, T, d)
        Tensor k = rope.apply(heads(torch.linear(in, wk), b, t), past);   // (B, kvHeads_local, T, d)
        Tensor v = heads(torch.linear(in, wv), b, t);                     // (B, kvHeads_local, T, d)
        if (cache != null) {
            AttentionCache.KeysValues all = cache.append(k, v);          // (B, kvHeads_local, past + T, d) each
            k = all.keys();
            v = all.values();
        }
        Tensor y = kernel.attend(q, k, v);                                 // (B, heads_local, T, d)
        Tensor merged = y.transpose(1, 2).reshape(b, t, y.size(1) * headDim);   // (B, T, heads_local * d)
        return tp.reduceFromRegion(torch.linear(merged, wo));
    }

    // (B, T, n * d) -> (B, n, T, d)
    private Tensor heads(Tensor projected, long b, long t) {
        return projected.view(b, t, projected.size(2) / headDim, headDim).transpose(1, 2);
    }
}
