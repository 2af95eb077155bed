package org.llemma4j.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.Slice;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.TensorParallelPlan;
import org.llemma4j.trainer.nn.Tensors;

class MixedPrecisionAdamWTest {

    private static final LlamaConfig CONFIG = LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4)
            .numKvHeads(2).intermediateSize(64).vocabSize(100).maxPositions(16).build();
    private static final AdamWSettings SETTINGS = new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0);

    /** ZeRO-1 at dp 3: master weights and two moments in fp32 for a third of the (padded) buffer. */
    @Test
    void shardedStateIsTwelveBytesPerParameterOverDp() {
        int dp = 3;
        try (Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.SDPA, 1, dp)) {
            long padded = model.parameters().flat().numel();
            assertEquals(0, padded % dp);
            assertTrue(padded - model.parameters().numel() < dp, "padding is less than one element per shard");
            try (MixedPrecisionAdamW optimizer = new MixedPrecisionAdamW(model.parameters(), SETTINGS,
                    new Slice(padded / dp, padded / dp))) {
                double expected = 12.0 * model.parameters().numel() / dp;
                assertEquals(expected, optimizer.stateBytes(), 0.01 * expected);
            }
        }
    }

    /**
     * Weights set after the model was built (as a checkpoint or Hugging Face load does), then the optimizer, then
     * a step at learning rate 0: the weights and the loss are exactly unchanged. An optimizer whose master copy
     * predated the load would write the initial weights back.
     */
    @Test
    void stepAtZeroLearningRateKeepsLoadedWeights() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.SDPA, 1)) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                model.parameters().flat().mul_(Tensors.scalar(-1.5));           // "loaded" weights
            }
            float[] loaded = Tensors.toFloats(model.parameters().flat());
            int[] ids = {1, 5, 9, 2, 77, 31, 4, 8, 15, 16, 23, 42};
            Tensor all = Tensors.longTensor(ids, 2, 6);
            double before = Tensors.item(model.loss(all.narrow(1, 0, 5), all.narrow(1, 1, 5)));
            try (MixedPrecisionAdamW optimizer = new MixedPrecisionAdamW(model.parameters(), SETTINGS)) {
                model.loss(all.narrow(1, 0, 5), all.narrow(1, 1, 5)).backward();
                optimizer.accumulateGradients();
                optimizer.step(0.0, Math.sqrt(optimizer.shardSquaredNorm()));
            }
            assertArrayEquals(loaded, Tensors.toFloats(model.parameters().flat()));
            assertEquals(before, Tensors.item(model.loss(all.narrow(1, 0, 5), all.narrow(1, 1, 5))));
        }
    }

    /**
     * A huge gradient split over two shards (two ZeRO ranks): each clips with the same global norm, so the
     * first moment, (1 - beta1) x clipped gradient, has norm (1 - beta1) x gradient_clipping over both shards.
     */
    @Test
    void hugeGradientIsClippedToTheConfiguredNormAcrossShards() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.SDPA, 1, 2)) {
            long half = model.parameters().flat().numel() / 2;
            try (MixedPrecisionAdamW first = new MixedPrecisionAdamW(model.parameters(), SETTINGS, new Slice(0, half));
                 MixedPrecisionAdamW second = new MixedPrecisionAdamW(model.parameters(), SETTINGS,
                         new Slice(half, half))) {
                first.gradientBuffer().fill_(Tensors.scalar(1e4));
                second.gradientBuffer().fill_(Tensors.scalar(1e4));
                double norm = Math.sqrt(first.shardSquaredNorm() + second.shardSquaredNorm());
                assertEquals(1e4 * Math.sqrt(2 * half), norm, 1e-3 * norm);
                first.step(1e-3, norm);
                second.step(1e-3, norm);
                double momentNorm = Math.sqrt(Math.pow(Tensors.item(first.expAvg().norm()), 2)
                        + Math.pow(Tensors.item(second.expAvg().norm()), 2));
                assertEquals((1 - 0.9) * SETTINGS.gradientClipping(), momentNorm, 1e-6);
                assertArrayEquals(Tensors.toFloats(first.expAvg().narrow(0, 0, 8)),
                        Tensors.toFloats(second.expAvg().narrow(0, 0, 8)), "both shards scaled by one coefficient");
            }
        }
    }
}
