package org.llemma4j.trainer.zero;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.Slice;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * The optimizer's buffers on libtorch's {@code meta} device: the fp32 gradient buffer, the master weights and Adam
 * moments of a ZeRO-1 shard and of the whole buffer follow the parameters' device, the optimizer step computes
 * there, and a host gradient that meets them is refused with a message naming it.
 */
class ZeroMetaPlacementTest {

    private static final ComputeDevice META = ComputeDevice.meta();
    private static final LlamaConfig CONFIG = LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4)
            .numKvHeads(2).intermediateSize(64).vocabSize(100).maxPositions(16).build();
    private static final AdamWSettings SETTINGS = new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0);

    private static Llama metaModel(int padMultiple) {
        return new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.MATMUL, 1,
                padMultiple, META);
    }

    private static void assertMeta(Tensor t, String what) {
        assertEquals("meta", Placement.deviceOf(t), what);
    }

    @Test
    void theGradientBufferIsOnTheParametersDeviceAndNamesAHostGradient() {
        try (PointerScope scope = new PointerScope(); Llama model = metaModel(1);
             GradientBuffer grads = new GradientBuffer(model.parameters())) {
            assertMeta(grads.all(), "the fp32 gradient buffer");
            assertEquals(ScalarType.Float, grads.all().scalar_type().intern());
            String first = grads.params().get(0).name();
            long[] shape = grads.params().get(0).localShape();
            grads.add(0, torch.ones(shape, META.options(ScalarType.BFloat16)));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> grads.add(0, torch.ones(shape, new TensorOptions(ScalarType.BFloat16))));
            assertEquals("the gradient of " + first + " (on cpu) and the fp32 gradient buffer (on meta) must be on the"
                    + " same device", e.getMessage());
        }
    }

    @Test
    void aShardsOptimizerStateIsOnTheParametersDeviceAndItsStepComputesThere() {
        int dp = 4;
        try (PointerScope scope = new PointerScope(); Llama model = metaModel(dp)) {
            long padded = model.parameters().flat().numel();
            Slice shard = new Slice(padded / dp * 2, padded / dp);
            try (AdamWState state = new AdamWState(model.parameters(), SETTINGS, shard)) {
                assertMeta(state.master(), "master weights");
                assertMeta(state.expAvg(), "first moment");
                assertMeta(state.expAvgSq(), "second moment");
                assertEquals(shard.length(), state.master().numel());
                state.step(torch.zeros(new long[] {shard.length()}, META.options(ScalarType.Float)), 1e-3, 1.0);
                assertMeta(model.parameters().flat(), "the parameters after the step");
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> state.step(
                        torch.zeros(new long[] {shard.length()}, new TensorOptions(ScalarType.Float)), 1e-3, 1.0));
                assertEquals("the reduced gradient of the optimizer's range (on cpu) and the fp32 master weights (on"
                        + " meta) must be on the same device", e.getMessage());
            }
        }
    }

    @Test
    void theSingleProcessOptimizerRunsAStepOnMeta() {
        try (PointerScope scope = new PointerScope(); Llama model = metaModel(1);
             DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(), SETTINGS,
                     ParallelContext.single(META))) {
            assertMeta(optimizer.state().master(), "master weights");
            optimizer.beginMicroBatch(true);
            optimizer.endMicroBatch();
            Tensor squares = optimizer.reduceGradients();
            assertMeta(squares, "the squared gradient norm");
            assertEquals(ScalarType.Double, squares.scalar_type().intern());
            optimizer.step(1e-3, 1.0);
            assertMeta(model.parameters().flat(), "the parameters after the step");
        }
    }
}
