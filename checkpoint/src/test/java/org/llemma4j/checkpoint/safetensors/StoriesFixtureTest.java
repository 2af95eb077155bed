package org.llemma4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.llemma4j.checkpoint.Fixtures;

/** A safetensors file this project did not write: every tensor the config implies, with the right shape. */
class StoriesFixtureTest {

    @Test
    void namesAndShapesMatchTheConfig() throws Exception {
        JsonNode c = new ObjectMapper().readTree(Fixtures.stories().resolve("config.json").toFile());
        long h = c.get("hidden_size").asLong();
        long ffn = c.get("intermediate_size").asLong();
        long vocab = c.get("vocab_size").asLong();
        long headDim = h / c.get("num_attention_heads").asLong();
        long kv = c.get("num_key_value_heads").asLong() * headDim;
        Map<String, long[]> expected = new HashMap<>();
        expected.put("model.embed_tokens.weight", new long[] {vocab, h});
        expected.put("model.norm.weight", new long[] {h});
        for (int i = 0; i < c.get("num_hidden_layers").asInt(); i++) {
            String p = "model.layers." + i + ".";
            expected.put(p + "input_layernorm.weight", new long[] {h});
            expected.put(p + "post_attention_layernorm.weight", new long[] {h});
            expected.put(p + "self_attn.q_proj.weight", new long[] {h, h});
            expected.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            expected.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            expected.put(p + "self_attn.o_proj.weight", new long[] {h, h});
            expected.put(p + "mlp.gate_proj.weight", new long[] {ffn, h});
            expected.put(p + "mlp.up_proj.weight", new long[] {ffn, h});
            expected.put(p + "mlp.down_proj.weight", new long[] {h, ffn});
        }
        try (PointerScope scope = new PointerScope();
             SafetensorsFile f = SafetensorsFile.open(Fixtures.stories().resolve("model.safetensors"))) {
            assertEquals(expected.keySet(), f.names(), "tied embeddings: no lm_head.weight");
            for (String name : f.names()) {
                assertArrayEquals(expected.get(name), f.info(name).shape(), name);
                assertEquals(SafetensorsDtype.F32, f.info(name).dtype(), name);
            }
            Tensor norm = f.read("model.layers.0.input_layernorm.weight");
            assertFalse(norm.isnan().any().item().toBool(), "real weights, no NaN");
            Tensor embed = f.read("model.embed_tokens.weight");
            assertEquals(vocab * h, embed.numel());
        }
    }
}
