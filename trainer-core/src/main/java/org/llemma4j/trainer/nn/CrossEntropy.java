package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.tensor.Tensors;

/** Mean token cross entropy, computed in fp32 (fp64 for an fp64 oracle) whatever the logits' dtype. */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /** logits: (N, V); targets: (N,) int64 -> () fp32, the mean over the N tokens. */
    public static Tensor mean(Tensor logits, Tensor targets) {
        return torch.cross_entropy_loss(Tensors.atLeastFloat(logits), targets);
    }
}
