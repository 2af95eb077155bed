package org.llemma4j.parallel;

/**
 * How a parameter is split across the tensor-parallel group. Checkpoints record it so that a tensor saved at one
 * TP degree can be cut again for another.
 */
public enum ShardDim {
    /** Every rank holds the whole tensor (norm weights). */
    REPLICATED(-1),
    /** Rows are split: column-parallel linear layers (output features) and the vocab-parallel embedding. */
    ROWS(0),
    /** Columns are split: row-parallel linear layers (input features). */
    COLUMNS(1);

    private final int dim;

    ShardDim(int dim) {
        this.dim = dim;
    }

    /** The split dimension, or -1 when replicated. */
    public int dim() {
        return dim;
    }
}
