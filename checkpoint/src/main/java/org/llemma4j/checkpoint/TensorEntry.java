package org.llemma4j.checkpoint;

import java.util.Arrays;
import java.util.List;
import org.llemma4j.parallel.ShardDim;

/**
 * A logical tensor of the checkpoint: its dtype, its whole (unsplit) shape, how tensor parallelism splits it, and
 * where its pieces are stored.
 *
 * @param dtype    safetensors dtype name (BF16, F32, ...)
 * @param shape    global shape
 * @param shardDim split dimension across the TP group
 * @param slices   stored pieces, ordered by block offset then flat start
 */
public record TensorEntry(String dtype, long[] shape, ShardDim shardDim, List<SliceLocation> slices) {

    public TensorEntry {
        shape = shape.clone();
        slices = List.copyOf(slices);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The split dimension, 0 for a replicated tensor (whose one block is the whole tensor). */
    public int blockDim() {
        return shardDim == ShardDim.REPLICATED ? 0 : shardDim.dim();
    }

    /** Elements of a block of {@code length} along the split dimension. */
    public long blockNumel(long length) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            n *= i == blockDim() ? length : shape[i];
        }
        return n;
    }

    /** Shape of a block of {@code length} along the split dimension. */
    public long[] blockShape(long length) {
        long[] s = shape.clone();
        if (s.length > 0) {
            s[blockDim()] = length;
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry t && t.dtype.equals(dtype) && Arrays.equals(t.shape, shape)
                && t.shardDim == shardDim && t.slices.equals(slices);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
