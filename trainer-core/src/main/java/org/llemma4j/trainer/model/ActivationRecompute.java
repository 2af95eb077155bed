package org.llemma4j.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Activation checkpointing ({@code checkpoint_activations}): the forward pass keeps only the input of every group
 * of {@code checkpoint_num_layers} decoder layers; the backward pass recomputes each group's forward from its
 * input, then back-propagates through it, from the last group to the first.
 *
 * <p>Done by hand rather than through autograd: the decoder runs without a graph, the head (final norm, output
 * layer, loss) runs with one from a leaf holding the last group's output, and each recomputed group's backward
 * hands the gradient of its input to the group before it. Each group runs inside its own {@link PointerScope},
 * so its activations are freed when it is done: Java handles would otherwise keep them alive until the step ends.
 */
final class ActivationRecompute {

    private ActivationRecompute() {
    }

    /**
     * Forward and backward of one micro-batch; returns the (unscaled) loss, a 0-dim tensor on the model's device,
     * read by nobody here: reading it would stop the host until the head's backward pass had run.
     *
     * @param scale the factor the gradients are scaled by (1 / gradient_accumulation_steps)
     */
    static Tensor lossAndBackward(Llama model, Tensor tokens, Tensor targets, double scale, int layersPerGroup) {
        List<DecoderLayer> layers = model.layers();
        Tensor embedded = model.embed(tokens);                      // (B, T, H), graph to the embedding
        List<Tensor> groupInputs = new ArrayList<>();
        Tensor x = embedded.detach();
        for (int first = 0; first < layers.size(); first += layersPerGroup) {
            groupInputs.add(x);
            Tensor in = x;
            int from = first;
            x = keep(() -> {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    return runGroup(layers, from, layersPerGroup, in);
                }
            });
        }
        Tensor last = x.detach().requires_grad_(true);             // leaf: the head's graph starts here
        Tensor loss = model.headLoss(last, targets);
        backward(loss.mul(Tensors.scalar(scale)), null);
        Tensor value = loss.detach();

        // grad() is a reference into the leaf's autograd state; detach() makes a handle of our own.
        Tensor grad = last.grad().detach();
        for (int g = groupInputs.size() - 1; g >= 0; g--) {
            Tensor in = groupInputs.get(g);
            Tensor upstream = grad;
            int from = g * layersPerGroup;
            grad = keep(() -> {
                Tensor leaf = in.detach().requires_grad_(true);
                backward(runGroup(layers, from, layersPerGroup, leaf), upstream);
                return leaf.grad().detach();
            });
        }
        backward(embedded, grad);
        return value;
    }

    private static Tensor runGroup(List<DecoderLayer> layers, int first, int count, Tensor x) {
        for (int i = first; i < Math.min(first + count, layers.size()); i++) {
            x = layers.get(i).forward(x);
        }
        return x;
    }

    private static void backward(Tensor output, Tensor gradient) {
        if (gradient == null) {
            output.backward();
        } else {
            output.backward(gradient, new BoolOptional(), false, new TensorArrayRefOptional());
        }
    }

    private interface Work {
        Tensor run();
    }

    /**
     * Runs {@code work} in a scope of its own and keeps only its result, which joins the caller's scope (or,
     * with no scope open, stays owned by the garbage collector like any unscoped tensor).
     */
    private static Tensor keep(Work work) {
        PointerScope outer = PointerScope.getInnerScope();
        Tensor result;
        try (PointerScope inner = new PointerScope()) {
            result = work.run();
            result.retainReference();
        }
        if (outer != null) {
            outer.attach(result);
            result.releaseReference();
        }
        return result;
    }
}
