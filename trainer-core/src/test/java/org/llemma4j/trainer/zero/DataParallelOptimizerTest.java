package org.llemma4j.trainer.zero;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.Slice;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * The data-parallel optimizer in one process, and the optimizer state of one shard. Across real processes it is
 * checked against a single process by the tests module's DataParallelEquivalenceTest (stages 0 and 1, overlap).
 */
class DataParallelOptimizerTest {

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
            try (AdamWState state = new AdamWState(model.parameters(), SETTINGS, new Slice(padded / dp, padded / dp))) {
                double expected = 12.0 * model.parameters().numel() / dp;
                assertEquals(expected, state.bytes(), 0.01 * expected);
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
            try (DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(), SETTINGS,
                    ParallelContext.single())) {
                optimizer.beginMicroBatch(true);
                model.loss(all.narrow(1, 0, 5), all.narrow(1, 1, 5)).backward();
                optimizer.endMicroBatch();
                double norm = Math.sqrt(Tensors.item(optimizer.reduceGradients()));
                assertTrue(norm > 0, "a real gradient reached the buffer: norm " + norm);
                optimizer.step(0.0, norm);
                assertEquals(1, optimizer.state().steps());
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
            try (AdamWState first = new AdamWState(model.parameters(), SETTINGS, new Slice(0, half));
                 AdamWState second = new AdamWState(model.parameters(), SETTINGS, new Slice(half, half))) {
                Tensor firstGrad = first.master().new_full(new long[] {half}, Tensors.scalar(1e4));
                Tensor secondGrad = second.master().new_full(new long[] {half}, Tensors.scalar(1e4));
                double norm = Math.sqrt(Math.pow(Tensors.item(firstGrad.norm()), 2)
                        + Math.pow(Tensors.item(secondGrad.norm()), 2));
                assertEquals(1e4 * Math.sqrt(2 * half), norm, 1e-3 * norm);
                first.step(firstGrad, 1e-3, norm);
                second.step(secondGrad, 1e-3, norm);
                double momentNorm = Math.sqrt(Math.pow(Tensors.item(first.expAvg().norm()), 2)
                        + Math.pow(Tensors.item(second.expAvg().norm()), 2));
                assertEquals((1 - 0.9) * SETTINGS.gradientClipping(), momentNorm, 1e-6);
                assertArrayEquals(Tensors.toFloats(first.expAvg().narrow(0, 0, 8)),
                        Tensors.toFloats(second.expAvg().narrow(0, 0, 8)), "both shards scaled by one coefficient");
            }
        }
    }

    /** Only the sharded stage with more than one data-parallel rank shards; the replicated state is written once. */
    @Test
    void shardingRuleAndWhoWritesState() {
        assertFalse(new ZeroSettings(1, false, 10).shardsOptimizer(1));
        assertTrue(new ZeroSettings(1, false, 10).shardsOptimizer(2));
        assertFalse(new ZeroSettings(0, true, 10).shardsOptimizer(8));
        try (Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.SDPA, 1);
             DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(), SETTINGS,
                     ParallelContext.single())) {
            assertTrue(optimizer.writesState(0));
            assertFalse(optimizer.writesState(1));
            assertEquals(model.parameters().flat().numel(), optimizer.state().range().length());
        }
    }

    @Test
    void unsupportedStagesAreRefusedByName() {
        assertEquals("zero_optimization.stage 2 is not supported: only ZeRO stage 0 (replicated optimizer) and 1 "
                        + "(optimizer state sharded over data parallel ranks)",
                assertThrows(IllegalArgumentException.class, () -> new ZeroSettings(2, false, 10)).getMessage());
        assertEquals("zero_optimization.reduce_bucket_size must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new ZeroSettings(1, true, 0)).getMessage());
    }
}
