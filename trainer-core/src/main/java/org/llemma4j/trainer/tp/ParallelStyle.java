package org.llemma4j.trainer.tp;

import org.llemma4j.parallel.ShardDim;

/**
 * How Megatron's tensor parallelism treats one weight: the words of the plan table, which is the model's parameter
 * table ({@code LlamaLayout}, one style per row). A weight's style fixes which dimension the tensor-parallel ranks
 * split ({@link #shardDim()}, what checkpoints record) and which of f and g surround its use in the forward pass.
 *
 * <p>Weights are stored (out features, in features), as {@code torch.nn.Linear} and Hugging Face store them, so
 * splitting a layer's outputs splits the weight's rows and splitting its inputs splits the columns.
 */
public enum ParallelStyle {

    /**
     * A linear layer with its output features split (q, k, v, gate, up): each rank computes its block of the output
     * from the whole input, which enters through f ({@link TensorParallelPlan#copyToRegion}).
     */
    COLUMN_PARALLEL(ShardDim.ROWS),

    /**
     * A linear layer with its input features split (o, down): each rank contracts its block of the (already split)
     * input into a partial output, and g ({@link TensorParallelPlan#reduceFromRegion}) sums the partials.
     */
    ROW_PARALLEL(ShardDim.COLUMNS),

    /**
     * The vocabulary split (the token embedding and the output layer): each rank holds a contiguous range of rows,
     * its {@link VocabRange}. The embedding sums the ranks' lookups with g; the output layer feeds the vocab-parallel
     * cross entropy, which never gathers the logits.
     */
    VOCAB_PARALLEL(ShardDim.ROWS),

    /**
     * Whole on every rank (the norm gains): every rank computes the same gradient for it, so the gradient norm counts
     * it once ({@link GradientNorm}).
     */
    REPLICATED(ShardDim.REPLICATED);

    private final ShardDim shardDim;

    ParallelStyle(ShardDim shardDim) {
        this.shardDim = shardDim;
    }

    /** The dimension of the stored weight that the tensor-parallel ranks split. */
    public ShardDim shardDim() {
        return shardDim;
    }
}
