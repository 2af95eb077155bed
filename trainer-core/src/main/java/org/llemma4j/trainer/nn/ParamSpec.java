package org.llemma4j.trainer.nn;

import org.llemma4j.parallel.ShardDim;
import java.util.Arrays;

/**
 * A parameter as the model declares it, before allocation: its name, its whole (unsplit) shape, how tensor
 * parallelism splits it and how it is initialized.
 */
public record ParamSpec(String name, long[] fullShape, ShardDim shardDim, Init init) {

    /** Weight decay applies to matrices, never to norm gains (GPT-NeoX and Megatron alike). */
    public boolean decay() {
        return init == Init.NORMAL;
    }

    /** The shape of one rank's slice at tensor-parallel degree {@code tp}. */
    public long[] localShape(int tp) {
        long[] shape = fullShape.clone();
        if (shardDim != ShardDim.REPLICATED) {
            long whole = shape[shardDim.dim()];
            if (whole % tp != 0) {
                throw new IllegalArgumentException("parameter " + name + " dimension " + shardDim.dim() + " of size "
                        + whole + " is not divisible by model_parallel_size " + tp);
            }
            shape[shardDim.dim()] = whole / tp;
        }
        return shape;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(fullShape) + " " + shardDim;
    }
}
