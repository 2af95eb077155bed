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
import org.llemma4j.parallel.device.ComputeDevice;
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
        try (Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.SDPA, 1,
                dp, ComputeDevice.cpu())) {
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
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.SDPA, 1, 2,
                     ComputeDevice.cpu())) {
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

    /**
     * Two steps against AdamW recomputed in fp64 from the same gradients (Loshchilov and Hutter's update with
     * PyTorch's bias correction and eps placement, Megatron's clip coefficient, decay on the matrices only), on a
     * buffer of several of the CPU's update chunks. The optimizer works in fp32: 1e-5 of each weight's scale.
     */
    @Test
    void stepsMatchAdamWRecomputedInFp64() {
        LlamaConfig config = LlamaConfig.builder().numLayers(1).hiddenSize(64).numHeads(4).numKvHeads(2)
                .intermediateSize(128).vocabSize(5000).maxPositions(16).build();
        double lr = 1e-2;
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(config, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.SDPA, 1);
             AdamWState state = new AdamWState(model.parameters(), SETTINGS,
                     new Slice(0, model.parameters().flat().numel()))) {
            int n = (int) model.parameters().flat().numel();
            assertTrue(n > 2 * (1 << 18), "the buffer spans several update chunks: " + n);
            long decayed = model.parameters().decayedNumel();
            double[] w = Tensors.toDoubles(model.parameters().flat());
            double[] m = new double[n];
            double[] v = new double[n];
            java.util.Random random = new java.util.Random(5);
            for (int step = 1; step <= 2; step++) {
                float[] g = new float[n];
                double squares = 0;
                for (int i = 0; i < n; i++) {
                    g[i] = (float) (random.nextGaussian() * (step == 1 ? 1e-3 : 1.0));   // step 2 is clipped
                    squares += (double) g[i] * g[i];
                }
                double norm = Math.sqrt(squares);
                double coefficient = norm > 1.0 ? 1.0 / (norm + 1e-6) : 1.0;
                state.step(Tensors.floatTensor(g, n), lr, norm);
                for (int i = 0; i < n; i++) {
                    double grad = g[i] * coefficient;
                    m[i] = 0.9 * m[i] + 0.1 * grad;
                    v[i] = 0.95 * v[i] + 0.05 * grad * grad;
                    double denominator = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.95, step)) + 1e-8;
                    if (i < decayed) {
                        w[i] *= 1 - lr * 0.1;
                    }
                    w[i] -= lr / (1 - Math.pow(0.9, step)) * m[i] / denominator;
                }
                assertClose(w, Tensors.toDoubles(state.master()), "master weights after step " + step);
                assertClose(w, Tensors.toDoubles(model.parameters().flat()), "parameters after step " + step);
                assertClose(m, Tensors.toDoubles(state.expAvg()), "exp_avg after step " + step);
                assertClose(v, Tensors.toDoubles(state.expAvgSq()), "exp_avg_sq after step " + step);
            }
        }
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * scale, what + " [" + i + "]");
        }
    }
}
