package org.llemma4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tp.ParallelStyle;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/** The one parameter table: what it lists, in which order, and that the model and the counts follow it. */
class LlamaLayoutTest {

    // 2 layers, hidden 32 over 4 heads of 8, 2 KV heads, FFN 48, vocabulary 40
    private static final LlamaConfig UNTIED = LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4)
            .numKvHeads(2).intermediateSize(48).vocabSize(40).maxPositions(16).build();
    private static final LlamaConfig TIED = UNTIED.toBuilder().tieEmbeddings(true).build();

    @Test
    void specsListEveryTensorInHuggingFaceOrder() {
        List<ParamSpec> specs = LlamaLayout.specs(UNTIED);
        assertEquals(1 + 2 * 9 + 2, specs.size());
        assertEquals(List.of("model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
                "model.layers.0.self_attn.o_proj.weight", "model.layers.0.mlp.gate_proj.weight",
                "model.layers.0.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight",
                "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight"),
                specs.subList(0, 10).stream().map(ParamSpec::name).toList());
        assertEquals(List.of("model.norm.weight", "lm_head.weight"),
                specs.subList(19, 21).stream().map(ParamSpec::name).toList());
        Map<String, ParamSpec> byName = specs.stream().collect(Collectors.toMap(ParamSpec::name, Function.identity()));
        assertEquals(new ParamSpec("model.layers.1.self_attn.k_proj.weight", new long[] {16, 32}, ShardDim.ROWS),
                byName.get("model.layers.1.self_attn.k_proj.weight"));
        assertEquals(new ParamSpec("model.layers.1.mlp.down_proj.weight", new long[] {32, 48}, ShardDim.COLUMNS),
                byName.get("model.layers.1.mlp.down_proj.weight"));
        assertEquals(new ParamSpec("model.norm.weight", new long[] {32}, ShardDim.REPLICATED),
                byName.get("model.norm.weight"));
        assertEquals(new ParamSpec("lm_head.weight", new long[] {40, 32}, ShardDim.ROWS), byName.get("lm_head.weight"));
        assertEquals(20, LlamaLayout.specs(TIED).size(), "tied: no output layer");
    }

    /** Megatron's plan row by row, and the split each style stores (what checkpoints reshard by). */
    @Test
    void everyRowNamesItsMegatronStyle() {
        for (LlamaLayout row : LlamaLayout.values()) {
            ParallelStyle expected = switch (row) {
                case EMBEDDING, OUTPUT -> ParallelStyle.VOCAB_PARALLEL;
                case Q_PROJ, K_PROJ, V_PROJ, GATE_PROJ, UP_PROJ -> ParallelStyle.COLUMN_PARALLEL;
                case O_PROJ, DOWN_PROJ -> ParallelStyle.ROW_PARALLEL;
                case INPUT_NORM, POST_ATTENTION_NORM, FINAL_NORM -> ParallelStyle.REPLICATED;
            };
            assertEquals(expected, row.style(), row.name());
            ShardDim stored = switch (expected) {
                case COLUMN_PARALLEL, VOCAB_PARALLEL -> ShardDim.ROWS;
                case ROW_PARALLEL -> ShardDim.COLUMNS;
                case REPLICATED -> ShardDim.REPLICATED;
            };
            assertEquals(stored, row.spec(UNTIED, 0).shardDim(), row + "'s stored split");
        }
    }

    @Test
    void theCountsAreSumsOverTheTable() {
        for (LlamaConfig c : List.of(UNTIED, TIED)) {
            assertEquals(LlamaLayout.specs(c).stream().mapToLong(ParamSpec::numel).sum(), c.parameterCount());
            assertEquals(LlamaLayout.specs(c).stream().mapToLong(s -> s.localNumel(2)).sum(),
                    LlamaLayout.parameterCount(c, 2));
        }
        // By hand: the 40 x 32 embedding; per layer q and o 32 x 32, k and v 16 x 32, gate, up and down 48 x 32, two
        // norms of 32; the final norm; untied, the 40 x 32 output layer.
        long layer = 2 * 32 * 32 + 2 * 16 * 32 + 3 * 48 * 32 + 2 * 32;
        assertEquals(40 * 32 + 2 * layer + 32 + 40 * 32, UNTIED.parameterCount());
        assertEquals(UNTIED.parameterCount() - 40 * 32, TIED.parameterCount());
    }

    @Test
    void theModelAllocatesExactlyTheTable() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(UNTIED, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.MATMUL, 1)) {
            Map<String, Param> params = model.parameters().params().stream()
                    .collect(Collectors.toMap(Param::name, Function.identity()));
            assertEquals(LlamaLayout.specs(UNTIED).size(), params.size());
            for (ParamSpec spec : LlamaLayout.specs(UNTIED)) {
                assertEquals(spec, params.get(spec.name()).spec());
                assertArrayEquals(spec.fullShape(), params.get(spec.name()).localShape());
            }
            assertEquals(UNTIED.parameterCount(), model.parameters().numel());
        }
    }

    @Test
    void rowsNameTheirParameters() {
        assertEquals("model.layers.3.mlp.up_proj.weight", LlamaLayout.UP_PROJ.hfName(3));
        assertEquals("lm_head.weight", LlamaLayout.OUTPUT.hfName());
        assertEquals("UP_PROJ is a per-layer parameter: give the layer",
                assertThrows(IllegalStateException.class, LlamaLayout.UP_PROJ::hfName).getMessage());
        assertEquals("FINAL_NORM is not a per-layer parameter",
                assertThrows(IllegalStateException.class, () -> LlamaLayout.FINAL_NORM.hfName(0)).getMessage());
    }
}
