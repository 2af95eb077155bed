package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * Token embedding, vocab-parallel: each tensor-parallel rank holds a contiguous range of vocabulary rows, looks up
 * the tokens in its range, contributes zeros for the others, and the partial results are summed across ranks.
 */
public final class VocabEmbedding {

    private final Tensor weight;   // weight: (V_local, H)
    private final TensorParallelPlan tp;

    public VocabEmbedding(Tensor weight, TensorParallelPlan tp) {
        this.weight = weight;
        this.tp = tp;
    }

    /** tokens: (B, T) int64 -> (B, T, H) in the weight's dtype. */
    public Tensor forward(Tensor tokens) {
        if (tp.size() == 1) {
            return torch.embedding(weight, tokens);
        }
        long rows = weight.size(0);
        long first = tp.rank() * rows;
        Tensor foreign = tokens.lt(Tensors.integer(first)).logical_or(tokens.ge(Tensors.integer(first + rows)));
        // Integer scalars: a floating one would turn the int64 token ids into floats.
        Tensor local = tokens.sub(Tensors.integer(first)).masked_fill(foreign, Tensors.integer(0));
        Tensor partial = torch.embedding(weight, local).masked_fill(foreign.unsqueeze(-1), Tensors.scalar(0));
        return tp.reduceFromRegion(partial);
    }
}
