package org.llemma4j.trainer.nn;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * One trainable tensor of the model.
 *
 * @param spec  its declaration: Hugging Face name, whole shape, tensor-parallel split
 * @param value this rank's slice: a leaf tensor that requires grad (a view into the model's flat buffer)
 * @param decay whether weight decay applies (never to norm weights)
 */
public record Param(ParamSpec spec, Tensor value, boolean decay) {

    /** Hugging Face parameter name, e.g. {@code model.layers.3.self_attn.q_proj.weight}. */
    public String name() {
        return spec.name();
    }

    /** The shape of the whole tensor before tensor-parallel splitting. */
    public long[] fullShape() {
        return spec.fullShape();
    }

    /** How the whole tensor is split across the tensor-parallel group. */
    public ShardDim shardDim() {
        return spec.shardDim();
    }

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
        return name() + Arrays.toString(localShape());
    }
}
