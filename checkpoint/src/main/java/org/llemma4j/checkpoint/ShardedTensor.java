package org.llemma4j.checkpoint;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.ShardDim;

/**
 * What one tensor-parallel rank holds of a model tensor: its block of the whole tensor.
 *
 * @param name        Hugging Face parameter name
 * @param globalShape the whole tensor's shape
 * @param shardDim    how tensor parallelism splits it (evenly: rank r holds block r of tp)
 * @param local       this rank's block (the whole tensor when replicated)
 */
public record ShardedTensor(String name, long[] globalShape, ShardDim shardDim, Tensor local) {

    public ShardedTensor {
        globalShape = globalShape.clone();
    }

    @Override
    public long[] globalShape() {
        return globalShape.clone();
    }

    /** The block shape rank {@code tpRank} of {@code tp} must hold; an error names the tensor if tp does not divide it. */
    long[] blockShape(int tp) throws CheckpointException {
        return blockShape(name, globalShape, shardDim, tp);
    }

    static long[] blockShape(String name, long[] global, ShardDim dim, int tp) throws CheckpointException {
        long[] s = global.clone();
        if (dim != ShardDim.REPLICATED) {
            if (dim.dim() >= s.length) {
                throw new CheckpointException("tensor " + name + " of shape " + Arrays.toString(global)
                        + " has no dimension " + dim.dim() + " to split (" + dim + ")");
            }
            if (s[dim.dim()] % tp != 0) {
                throw new CheckpointException("tensor " + name + " of shape " + Arrays.toString(global)
                        + ": dimension " + dim.dim() + " of size " + s[dim.dim()] + " is not divisible by tp " + tp);
            }
            s[dim.dim()] /= tp;
        }
        return s;
    }
}
