package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * The model's components on libtorch's {@code meta} device, where tensors have shapes and dtypes but no storage:
 * every tensor a component creates must land there, and a host tensor that meets them is refused with a message
 * naming it. libtorch has no meta kernel for the embedding lookup ({@code index_select}), for
 * {@code scaled_dot_product_attention} (its {@code where}) or for {@code dot} (the cross entropy's gradient
 * surrogate), so those are checked by the devices of what they are built from and by their named refusals.
 */
class MetaPlacementTest {

    private static final ComputeDevice META = ComputeDevice.meta();
    private static final LlamaConfig CONFIG = LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4)
            .numKvHeads(2).intermediateSize(64).vocabSize(128).maxPositions(16).build();

    private static TensorOptions meta(ScalarType dtype) {
        return META.options(dtype);
    }

    private static void assertMeta(Tensor t, String what) {
        assertEquals("meta", Placement.deviceOf(t), what);
    }

    @Test
    void llamaBuildsItsParametersOnTheMetaDevice() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.MATMUL,
                     1, 8, META)) {
            assertMeta(model.parameters().flat(), "the flat parameter buffer");
            assertEquals(0, model.parameters().flat().numel() % 8, "padded to the multiple asked for");
            for (Param p : model.parameters().params()) {
                assertMeta(p.value(), p.name());
                assertEquals(ScalarType.BFloat16, p.value().scalar_type().intern(), p.name());
            }
        }
    }

    @Test
    void ropeTablesAreOnTheMetaDeviceAndRefuseAHostTensorByName() {
        try (PointerScope scope = new PointerScope()) {
            RotaryEmbedding rope = new RotaryEmbedding(8, 16, 10_000, 1.0, META);
            try {
                Tensor rotated = rope.apply(torch.zeros(new long[] {2, 4, 16, 8}, meta(ScalarType.BFloat16)), 0);
                assertMeta(rotated, "rotated queries");
                assertEquals(ScalarType.BFloat16, rotated.scalar_type().intern());
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> rope.apply(torch.zeros(new long[] {2, 4, 16, 8}), 0));
                assertEquals("the tensor to rotate (on cpu) and RoPE's cos/sin table (on meta) must be on the"
                        + " same device", e.getMessage());
            } finally {
                rope.close();
            }
        }
    }

    @Test
    void theDecoderBlocksComputeOnMetaForwardAndBackward() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.MATMUL,
                     1, 1, META);
             RotaryEmbedding rope = new RotaryEmbedding(CONFIG.rotaryDims(), 16, 10_000, 1.0, META)) {
            ParameterSet p = model.parameters();
            Attention attention = new Attention(p.get("model.layers.0.self_attn.q_proj.weight"),
                    p.get("model.layers.0.self_attn.k_proj.weight"), p.get("model.layers.0.self_attn.v_proj.weight"),
                    p.get("model.layers.0.self_attn.o_proj.weight"), CONFIG.headDim(), rope, AttentionKernel.MATMUL,
                    TensorParallelPlan.SINGLE);
            SwiGluMlp mlp = new SwiGluMlp(p.get("model.layers.0.mlp.gate_proj.weight"),
                    p.get("model.layers.0.mlp.up_proj.weight"), p.get("model.layers.0.mlp.down_proj.weight"),
                    TensorParallelPlan.SINGLE);
            RmsNorm norm = new RmsNorm(p.get("model.layers.0.input_layernorm.weight"), 1e-5);
            Tensor x = torch.zeros(new long[] {2, 16, 32}, meta(ScalarType.BFloat16));
            Tensor y = mlp.forward(attention.forward(norm.forward(x)));
            assertMeta(y, "the block's output");
            y.sum().backward();
            for (String name : new String[] {"model.layers.0.self_attn.q_proj.weight",
                    "model.layers.0.mlp.down_proj.weight", "model.layers.0.input_layernorm.weight"}) {
                assertMeta(p.get(name).grad(), "the gradient of " + name);
            }
        }
    }

    @Test
    void chunkedCrossEntropyKeepsItsBuffersOnTheHiddenStatesDeviceAndNamesAMisplacedInput() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor hidden = torch.zeros(new long[] {64, 32}, meta(ScalarType.BFloat16));
            Tensor weight = torch.zeros(new long[] {128, 32}, meta(ScalarType.BFloat16));
            Tensor targets = torch.zeros(new long[] {64}, meta(ScalarType.Long));
            // The loss path (logits chunks in dz, the fp32 softmax buffer, the running sum) computes on meta.
            Tensor loss = ChunkedLinearCrossEntropy.mean(hidden, weight, targets, TensorParallelPlan.SINGLE, 1 << 10);
            assertMeta(loss, "the loss");
            assertEquals(ScalarType.Float, loss.scalar_type().intern());
            // libtorch's mm of a host and a meta matrix returns a meta result without complaint: the check names it.
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChunkedLinearCrossEntropy.mean(
                    hidden, torch.zeros(new long[] {128, 32}, new TensorOptions(ScalarType.BFloat16)), targets,
                    TensorParallelPlan.SINGLE));
            assertEquals("the output layer's weight (on cpu) and the hidden states (on meta) must be on"
                    + " the same device", e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> ChunkedLinearCrossEntropy.mean(hidden, weight,
                    torch.zeros(new long[] {64}, new TensorOptions(ScalarType.Long)), TensorParallelPlan.SINGLE));
            assertEquals("the target token ids (on cpu) and the hidden states (on meta) must be on the same"
                    + " device", e.getMessage());
        }
    }

    @Test
    void theGradientPathOfTheCrossEntropyEndsAtDotWhichHasNoMetaKernel() {
        try (PointerScope scope = new PointerScope()) {
            Tensor hidden = torch.zeros(new long[] {64, 32}, meta(ScalarType.BFloat16)).requires_grad_(true);
            Tensor weight = torch.zeros(new long[] {128, 32}, meta(ScalarType.BFloat16)).requires_grad_(true);
            Tensor targets = torch.zeros(new long[] {64}, meta(ScalarType.Long));
            RuntimeException e = assertThrows(RuntimeException.class, () -> ChunkedLinearCrossEntropy.mean(hidden,
                    weight, targets, TensorParallelPlan.SINGLE));
            assertTrue(e.getMessage().startsWith("aten::dot: attempted to run this operator with Meta tensors"),
                    e.getMessage());
        }
    }

    @Test
    void embeddingAndSdpaHaveNoMetaKernelSoTheEmbeddingNamesAHostBatch() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.SDPA,
                     1, 1, META)) {
            Tensor table = model.parameters().get("model.embed_tokens.weight");
            VocabEmbedding embedding = new VocabEmbedding(table, TensorParallelPlan.SINGLE);
            RuntimeException lookup = assertThrows(RuntimeException.class,
                    () -> embedding.forward(torch.zeros(new long[] {2, 16}, meta(ScalarType.Long))));
            assertTrue(lookup.getMessage().startsWith("aten::index_select: attempted to run this operator with Meta"
                    + " tensors"), lookup.getMessage());
            IllegalStateException host = assertThrows(IllegalStateException.class,
                    () -> embedding.forward(torch.zeros(new long[] {2, 16}, new TensorOptions(ScalarType.Long))));
            assertEquals("the token ids (on cpu) and the embedding table (on meta) must be on the same device",
                    host.getMessage());
            Tensor q = torch.zeros(new long[] {1, 4, 16, 8}, meta(ScalarType.BFloat16));
            RuntimeException sdpa = assertThrows(RuntimeException.class, () -> torch.scaled_dot_product_attention(
                    q, q, q, new TensorOptional(), 0.0, true, new DoubleOptional(), false));
            assertTrue(sdpa.getMessage().startsWith("aten::where.self"), sdpa.getMessage());
        }
    }
}
