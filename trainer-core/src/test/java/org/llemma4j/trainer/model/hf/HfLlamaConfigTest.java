package org.llemma4j.trainer.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.model.LlamaConfig;

/** What a Hugging Face Llama config.json means for the trainer, and back. */
class HfLlamaConfigTest {

    static final Path STORIES = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"),
            "hf-llama", "stories260K-gqa", "config.json");
    static final Path CODE_LLAMA = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"),
            "codellama", "config.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> warnings = new ArrayList<>();

    HfLlamaConfig read(Path file) throws Exception {
        return HfLlamaConfig.fromJson(JSON.readTree(file.toFile()), file, warnings::add);
    }

    HfLlamaConfig parse(String json) throws Exception {
        return HfLlamaConfig.fromJson(JSON.readTree(json), Path.of("config.json"), warnings::add);
    }

    HfLlamaConfig reread(Map<String, Object> json) {
        return HfLlamaConfig.fromJson(JSON.valueToTree(json), Path.of("config.json"), warnings::add);
    }

    String error(String json) {
        return assertThrows(IllegalArgumentException.class, () -> parse(json)).getMessage();
    }

    @Test
    void theStoriesFixtureIsAGqaLlamaWithTiedEmbeddings() throws Exception {
        HfLlamaConfig c = read(STORIES);
        assertEquals(LlamaConfig.builder().numLayers(5).hiddenSize(64).numHeads(8).numKvHeads(4)
                .intermediateSize(172).vocabSize(512).maxPositions(512).tieEmbeddings(true).build(), c.model());
        assertEquals(OptionalInt.of(2), c.eosTokenId());
        assertEquals(1, ((Number) c.extra().get("bos_token_id")).intValue());
        assertFalse(c.extra().containsKey("hidden_size"), "modeled keys are not extra");
        assertEquals(List.of(), warnings);

        List<ParamSpec> tensors = c.tensors();
        assertEquals(1 + 5 * 9 + 1, tensors.size(), "tied: no output layer tensor");
        assertEquals(new ParamSpec("model.layers.2.mlp.down_proj.weight", new long[] {64, 172}, ShardDim.COLUMNS),
                tensors.stream().filter(t -> t.name().equals("model.layers.2.mlp.down_proj.weight")).findFirst()
                        .orElseThrow());
        assertTrue(c.redundantTensor().test("model.layers.0.self_attn.rotary_emb.inv_freq"));
        assertTrue(c.redundantTensor().test("lm_head.weight"), "a tied model may keep a copy as lm_head");
        assertFalse(c.redundantTensor().test("model.layers.0.self_attn.bias"));
        assertFalse(c.withModel(c.model().toBuilder().tieEmbeddings(false).build()).redundantTensor()
                .test("lm_head.weight"));

        Map<String, Object> neox = c.model().toNeoxKeys();
        assertEquals(List.of("num_layers", "hidden_size", "num_attention_heads", "num_kv_heads", "intermediate_size",
                "vocab_size", "max_position_embeddings", "rms_norm_epsilon", "rotary_pct", "rotary_emb_base",
                "rotary_emb_scaling_factor", "no_weight_tying", "init_method_std"), new ArrayList<>(neox.keySet()));
        assertEquals(4, neox.get("num_kv_heads"));
        assertEquals(false, neox.get("no_weight_tying"));
    }

    @Test
    void codeLlamaSevenBReadsItsBaseAndUntiedOutput() throws Exception {
        LlamaConfig m = read(CODE_LLAMA).model();
        assertEquals(1e6, m.ropeBase());
        assertEquals(32016, m.vocabSize());
        assertEquals(16384, m.maxPositions());
        assertFalse(m.tieEmbeddings());
        assertEquals(6_738_546_688L, m.parameterCount(), "Code Llama 7B");
    }

    @Test
    void writtenAndReadBackItIsTheSameConfig() throws Exception {
        HfLlamaConfig c = read(STORIES);
        Map<String, Object> json = c.toJson("bfloat16");
        assertEquals(List.of("LlamaForCausalLM"), json.get("architectures"));
        assertEquals("bfloat16", json.get("torch_dtype"));
        assertEquals(4, json.get("num_key_value_heads"));
        assertEquals(2, json.get("eos_token_id"), "keys we do not model are kept");
        HfLlamaConfig back = reread(json);
        assertEquals(c.model(), back.model());
        assertEquals(c.extra(), back.extra());
    }

    @Test
    void unsupportedOrMalformedConfigsAreRefusedNamingTheKey() {
        String base = "\"hidden_size\": 64, \"num_attention_heads\": 8, \"num_hidden_layers\": 1, "
                + "\"intermediate_size\": 8, \"vocab_size\": 4";
        assertEquals("config.json: missing key vocab_size", error("{\"hidden_size\": 64, \"num_attention_heads\": 8, "
                + "\"num_hidden_layers\": 1, \"intermediate_size\": 8}"));
        assertEquals("config.json: missing key num_attention_heads", error("{\"hidden_size\": 64}"));
        assertEquals("config.json: model_type is \"mistral\", only \"llama\" is supported",
                error("{\"model_type\": \"mistral\"}"));
        assertEquals("config.json: hidden_act is \"gelu\", only \"silu\" is supported",
                error("{\"hidden_act\": \"gelu\"}"));
        assertEquals("config.json: hidden_size must be an integer, got \"big\"",
                error("{\"hidden_size\": \"big\", \"num_attention_heads\": 8}"));
        assertEquals("config.json: head_dim 16 is not hidden_size / num_attention_heads = 64 / 8: not supported",
                error("{" + base + ", \"head_dim\": 16}"));
        assertEquals("config.json: tie_word_embeddings must be true or false, got 1",
                error("{" + base + ", \"tie_word_embeddings\": 1}"));
        assertEquals("config.json: rope_theta must be a number, got \"1e4\"",
                error("{" + base + ", \"rope_theta\": \"1e4\"}"));
        assertEquals("config.json: attention_bias is true, not supported: Llama's projections have no biases",
                error("{" + base + ", \"attention_bias\": true}"));
        assertEquals("config.json: hidden_size 64 is not divisible by num_attention_heads 6",
                error("{" + base.replace("\"num_attention_heads\": 8", "\"num_attention_heads\": 6") + "}"));
        assertEquals("config.json: num_attention_heads 8 is not divisible by num_kv_heads 3",
                error("{" + base + ", \"num_key_value_heads\": 3}"));
    }

    @Test
    void missingOptionalKeysTakeTransformersDefaults() throws Exception {
        LlamaConfig m = parse("{\"hidden_size\": 64, \"num_attention_heads\": 8, \"num_hidden_layers\": 1, "
                + "\"intermediate_size\": 8, \"vocab_size\": 4, \"rope_theta\": 10000}").model();
        assertEquals(8, m.numKvHeads());
        assertEquals(2048, m.maxPositions());
        assertEquals(1e-6, m.normEps());
        assertFalse(m.tieEmbeddings());
        assertEquals(0.02, m.initStd());
        JsonNode written = JSON.valueToTree(HfLlamaConfig.of(m).toJson("float32"));
        assertEquals(8, written.get("num_key_value_heads").asInt());
    }
}
