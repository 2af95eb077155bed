package org.llemma4j.checkpoint;

import org.llemma4j.parallel.ShardDim;

/**
 * A parameter as it sits in a rank's flat buffer: the trainer's flat parameter, gradient, master and moment
 * buffers list parameters in one order, each taking {@code numel(block)} consecutive elements. ZeRO-1 cuts that
 * flat buffer into DP shards regardless of parameter boundaries; this record is what maps flat ranges back to
 * parameter names.
 *
 * @param name        Hugging Face parameter name
 * @param globalShape whole tensor shape
 * @param shardDim    tensor-parallel split
 */
public record FlatParam(String name, long[] globalShape, ShardDim shardDim) {

    public FlatParam {
        globalShape = globalShape.clone();
    }

    @Override
    public long[] globalShape() {
        return globalShape.clone();
    }

    /** Elements of one TP rank's block at degree {@code tp}. */
    public long blockNumel(int tp) throws CheckpointException {
        long n = 1;
        for (long s : ShardedTensor.blockShape(name, globalShape, shardDim, tp)) {
            n *= s;
        }
        return n;
    }
}
