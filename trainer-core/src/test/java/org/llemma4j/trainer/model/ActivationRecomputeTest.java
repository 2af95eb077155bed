package org.llemma4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * checkpoint_activations: recomputing each group's forward in the backward pass repeats the same operations on
 * the same values, so the loss and every gradient are bit-identical to the run that kept every activation.
 */
class ActivationRecomputeTest {

    private static final LlamaConfig CONFIG = LlamaConfig.builder().numLayers(3).hiddenSize(32).numHeads(4)
            .numKvHeads(2).intermediateSize(64).vocabSize(100).maxPositions(16).initStd(0.1).build();

    @ParameterizedTest
    @CsvSource({"BFloat16, 1", "BFloat16, 2", "Float, 1"})
    void sameLossAndGradientsAsWithoutRecomputation(ScalarType dtype, int layersPerCheckpoint) {
        int[] ids = {1, 5, 9, 2, 77, 31, 4, 8, 15, 16, 23, 42, 99, 0};
        try (PointerScope scope = new PointerScope();
             Llama plain = new Llama(CONFIG, TensorParallelPlan.SINGLE, dtype, AttentionKernel.MATMUL, 3);
             Llama recomputed = new Llama(CONFIG, TensorParallelPlan.SINGLE, dtype, AttentionKernel.MATMUL, 3)) {
            Tensor all = Tensors.longTensor(ids, 2, 7);
            Tensor tokens = all.narrow(1, 0, 6);
            Tensor targets = all.narrow(1, 1, 6);
            double expected = Tensors.item(plain.lossAndBackward(tokens, targets, 0.5, 0));
            double actual = Tensors.item(recomputed.lossAndBackward(tokens, targets, 0.5, layersPerCheckpoint));
            assertEquals(expected, actual);
            for (int i = 0; i < plain.parameters().params().size(); i++) {
                Param p = plain.parameters().params().get(i);
                Param q = recomputed.parameters().params().get(i);
                assertArrayEquals(Tensors.toFloats(p.value().grad()), Tensors.toFloats(q.value().grad()),
                        "gradient of " + p.name());
            }
        }
    }
}
