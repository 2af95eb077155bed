package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.tp.VocabRange;

/**
 * Token embedding, vocab-parallel: each tensor-parallel rank holds a contiguous range of vocabulary rows
 * ({@link VocabRange}), looks up the tokens in its range, contributes zeros for the others, and the partial results
 * are summed across ranks (g).
 */
public final class VocabEmbedding {

    private final Tensor weight;   // weight: (V_local, H)
    private final TensorParallelPlan tp;
    private final VocabRange vocab;

    public VocabEmbedding(Tensor weight, TensorParallelPlan tp) {
        this.weight = weight;
        this.tp = tp;
        this.vocab = VocabRange.of(tp, weight.size(0));
    }

    /** tokens: (B, T) int64 -> (B, T, H) in the weight's dtype. */
    public Tensor forward(Tensor tokens) {
        // A batch left on the host would otherwise fail inside index_select with a message naming neither tensor.
        Placement.requireWith(tokens, "the token ids", weight, "the embedding table");
        if (tp.size() == 1) {
            return torch.embedding(weight, tokens);
        }
        Tensor foreign = vocab.foreign(tokens);                                             // (B, T) bool
        Tensor partial = vocab.zeroForeign(torch.embedding(weight, vocab.localIds(tokens, foreign)), foreign);
        return tp.reduceFromRegion(partial);                                                // (B, T, H)
    }
}
