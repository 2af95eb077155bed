package org.llemma4j.trainer.model;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.trainer.nn.Attention;
import org.llemma4j.trainer.nn.AttentionCache;
import org.llemma4j.trainer.nn.RmsNorm;
import org.llemma4j.trainer.nn.SwiGluMlp;

/** One pre-norm Llama block: x + attn(norm(x)), then + mlp(norm(.)). */
final class DecoderLayer {

    private final RmsNorm attentionNorm;
    private final Attention attention;
    private final RmsNorm mlpNorm;
    private final SwiGluMlp mlp;

    DecoderLayer(RmsNorm attentionNorm, Attention attention, RmsNorm mlpNorm, SwiGluMlp mlp) {
        this.attentionNorm = attentionNorm;
        this.attention = attention;
        this.mlpNorm = mlpNorm;
        this.mlp = mlp;
    }

    /** x: (B, T, H) -> (B, T, H). */
    Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * x: (B, T, H), the tokens after {@code cache.length()} cached positions -> (B, T, H); the attention appends
     * their keys and values to {@code cache} (null: no cache, x is the whole sequence).
     */
    Tensor forward(Tensor x, AttentionCache cache) {
        Tensor h = x.add(attention.forward(attentionNorm.forward(x), cache));
        return h.add(mlp.forward(mlpNorm.forward(h)));
    }
}
