package org.llemma4j.trainer.nn;

import org.llemma4j.parallel.ShardDim;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * One trainable tensor of the model under its Hugging Face name.
 *
 * @param name      Hugging Face parameter name, e.g. {@code model.layers.3.self_attn.q_proj.weight}
 * @param value     this rank's slice: a leaf tensor that requires grad (a view into the model's flat buffer)
 * @param fullShape the shape of the whole tensor before tensor-parallel splitting
 * @param shardDim  how the whole tensor is split across the tensor-parallel group
 * @param decay     whether weight decay applies (never to norm weights)
 */
public record Param(String name, Tensor value, long[] fullShape, ShardDim shardDim, boolean decay) {

    /** Elements of this rank's slice. */
    public long localNumel() {
        return value.numel();
    }

    /** The shape of this rank's slice. */
    public long[] localShape() {
        return Tensors.shape(value);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(localShape());
    }
}
