package org.llemma4j.checkpoint.hf;

import java.util.Arrays;
import org.llemma4j.parallel.ShardDim;

/**
 * A tensor of a Hugging Face Llama: its name (also our parameter name), its shape, and how tensor parallelism
 * splits it (the Megatron split the trainer uses: q/k/v/gate/up and the vocabulary rows by rows, o/down by columns,
 * norms replicated).
 */
public record HfTensor(String name, long[] shape, ShardDim shardDim) {

    public HfTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
