package org.llemma4j.checkpoint;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/**
 * What one tensor-parallel rank holds of a model tensor: its block of the whole tensor.
 *
 * @param spec  the tensor's name, whole shape and tensor-parallel split (evenly: rank r holds block r of tp)
 * @param local this rank's block (the whole tensor when replicated)
 */
public record ShardedTensor(ParamSpec spec, Tensor local) {

    public String name() {
        return spec.name();
    }

    public ShardDim shardDim() {
        return spec.shardDim();
    }

    /** The block shape each rank of {@code tp} holds; an error names the tensor if tp does not divide it. */
    static long[] blockShape(ParamSpec spec, int tp) throws CheckpointException {
        try {
            return spec.localShape(tp);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    /** Elements of the block each rank of {@code tp} holds. */
    static long blockNumel(ParamSpec spec, int tp) throws CheckpointException {
        long n = 1;
        for (long s : blockShape(spec, tp)) {
            n *= s;
        }
        return n;
    }
}
