package org.llemma4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * The whole model's autograd gradients, in fp64, against central finite differences of the loss on a few
 * coordinates of every kind of parameter.
 */
class LlamaGradientTest {

    // Two layers, GQA (4 heads over 2 KV heads), partial vocabulary use, untied output: every code path.
    private static final LlamaConfig CONFIG = LlamaConfig.builder().numLayers(2).hiddenSize(16).numHeads(4)
            .numKvHeads(2).intermediateSize(24).vocabSize(40).maxPositions(16).initStd(0.3).build();

    /**
     * With h = 1e-5 the central difference has truncation error ~h^2 and rounding error ~1e-16/h, both far below
     * the 1e-6 relative tolerance (plus 1e-9 absolute for coordinates whose gradient is nearly zero).
     */
    @ParameterizedTest
    @EnumSource(value = AttentionKernel.class, names = {"SDPA", "MATMUL"})
    void gradientsMatchCentralDifferences(AttentionKernel kernel) {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Double, kernel, 7)) {
            int[] ids = {3, 17, 5, 39, 0, 22, 8, 8, 31, 2, 14, 27, 6, 1};
            Tensor all = Tensors.longTensor(ids, 2, 7);
            Tensor tokens = all.narrow(1, 0, 6);
            Tensor targets = all.narrow(1, 1, 6);
            model.loss(tokens, targets).backward();

            int checked = 0;
            for (Param p : model.parameters().params()) {
                Tensor flat = p.value().detach().view(-1);
                double[] grad = Tensors.toDoubles(p.value().grad());
                for (long index : new long[] {0, flat.numel() / 2, flat.numel() - 1}) {
                    double numeric = centralDifference(model, tokens, targets, flat, index);
                    assertEquals(numeric, grad[(int) index], 1e-6 * Math.abs(numeric) + 1e-9,
                            p.name() + "[" + index + "]");
                    checked++;
                }
            }
            assertEquals(3 * (3 + 9 * CONFIG.numLayers()), checked);   // embedding, final norm, output + 9 per layer
        }
    }

    private static double centralDifference(Llama model, Tensor tokens, Tensor targets, Tensor flat, long index) {
        double h = 1e-5;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor element = flat.narrow(0, index, 1);
            double original = Tensors.item(element);
            element.fill_(Tensors.scalar(original + h));
            double plus = Tensors.item(model.loss(tokens, targets));
            element.fill_(Tensors.scalar(original - h));
            double minus = Tensors.item(model.loss(tokens, targets));
            element.fill_(Tensors.scalar(original));
            return (plus - minus) / (2 * h);
        }
    }
}
