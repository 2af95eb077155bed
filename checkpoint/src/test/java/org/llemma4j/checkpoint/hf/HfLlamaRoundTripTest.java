package org.llemma4j.checkpoint.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.Fixtures;
import org.llemma4j.checkpoint.safetensors.HeaderRules;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.parallel.ShardDim;

class HfLlamaRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void importsTheStoriesFixture() throws Exception {
        try (HfLlamaImporter in = HfLlamaImporter.open(Fixtures.stories())) {
            HfLlamaConfig c = in.config();
            assertEquals(new HfLlamaConfig(64, 5, 8, 4, 172, 512, 512, 1e-5, 10000.0, true, c.extra()), c);
            assertEquals(1, ((Number) c.extra().get("bos_token_id")).intValue());
            Map<String, Object> neox = c.toNeoxKeys();
            assertEquals(List.of("num_layers", "hidden_size", "num_attention_heads", "num_kv_heads",
                    "intermediate_size", "vocab_size", "max_position_embeddings", "rms_norm_epsilon",
                    "rotary_emb_base", "no_weight_tying"), new ArrayList<>(neox.keySet()));
            assertEquals(5, neox.get("num_layers"));
            assertEquals(4, neox.get("num_kv_heads"));
            assertEquals(1e-5, neox.get("rms_norm_epsilon"));
            assertEquals(10000.0, neox.get("rotary_emb_base"));
            assertEquals(false, neox.get("no_weight_tying"));
            assertEquals(c.withRopeTheta(c.ropeTheta()), HfLlamaConfig.fromNeoxKeys(neox).withRopeTheta(c.ropeTheta())
                    .withExtra(c.extra()));
            assertEquals(1e6, c.withRopeTheta(1e6).toNeoxKeys().get("rotary_emb_base"));

            List<String> seen = new ArrayList<>();
            in.forEach((spec, value) -> {
                seen.add(spec.name());
                assertEquals(ScalarType.Float, value.scalar_type().intern());
                assertEquals(spec.numel(), value.numel());
            });
            assertEquals(1 + 5 * 9 + 1, seen.size());
            assertFalse(seen.contains("lm_head.weight"), "tied: no output layer tensor");
            assertEquals(ShardDim.COLUMNS, in.tensors().stream()
                    .filter(t -> t.name().equals("model.layers.2.mlp.down_proj.weight")).findFirst().orElseThrow()
                    .shardDim());
        }
    }

    @Test
    void shardedExportReimportsBitIdentical() throws Exception {
        Path out = dir.resolve("exported");
        // 40 kB shards: the 128 kB embedding gets a shard of its own, the layers spread over several more.
        HfLlamaExporter exporter = new HfLlamaExporter(SafetensorsDtype.F32, 40_000);
        try (HfLlamaImporter in = HfLlamaImporter.open(Fixtures.stories())) {
            List<Path> files = exporter.export(in.config(), in, out);
            assertTrue(files.size() > 4, "several shards: " + files);
            try (HfLlamaImporter back = HfLlamaImporter.open(out); PointerScope scope = new PointerScope()) {
                assertEquals(in.config(), back.config());
                for (HfTensor t : in.tensors()) {
                    assertBitEqual(in.tensor(t.name()), back.tensor(t.name()));
                }
            }
        }
        JsonNode index = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
        long total = 0;
        Set<String> shardFiles = new HashSet<>();
        int count = 0;
        for (var it = index.get("weight_map").fields(); it.hasNext(); ) {
            var e = it.next();
            shardFiles.add(e.getValue().asText());
            count++;
        }
        assertEquals(47, count);
        Set<String> expectedNames = new HashSet<>();
        for (int i = 1; i <= shardFiles.size(); i++) {
            expectedNames.add(String.format("model-%05d-of-%05d.safetensors", i, shardFiles.size()));
        }
        assertEquals(expectedNames, shardFiles);
        for (String f : shardFiles) {
            HeaderRules.assertFollowed(out.resolve(f));
            try (SafetensorsFile sf = SafetensorsFile.open(out.resolve(f))) {
                for (String name : sf.names()) {
                    total += sf.info(name).byteSize();
                }
            }
        }
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("LlamaForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("llama", config.get("model_type").asText());
        assertEquals("float32", config.get("torch_dtype").asText());
        assertEquals(4, config.get("num_key_value_heads").asInt());
        assertEquals(2, config.get("eos_token_id").asInt(), "keys we do not model are kept");
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(out), listing.toList(), "no temporary directory left");
        }
    }

    @Test
    void bf16ExportFitsOneFileWithoutIndex() throws Exception {
        Path out = dir.resolve("bf16");
        try (HfLlamaImporter in = HfLlamaImporter.open(Fixtures.stories())) {
            List<Path> files = new HfLlamaExporter(SafetensorsDtype.BF16, HfLlamaExporter.DEFAULT_MAX_SHARD_BYTES)
                    .export(in.config().withRopeTheta(1e6), in, out);
            assertEquals(List.of(out.resolve("config.json"), out.resolve("model.safetensors")), files);
            HeaderRules.assertFollowed(out.resolve("model.safetensors"));
            try (HfLlamaImporter back = HfLlamaImporter.open(out); PointerScope scope = new PointerScope()) {
                assertEquals(1e6, back.config().ropeTheta());
                for (HfTensor t : in.tensors()) {
                    assertBitEqual(in.tensor(t.name()).to(ScalarType.BFloat16), back.tensor(t.name()));
                }
            }
        }
        assertEquals("bfloat16", new ObjectMapper().readTree(out.resolve("config.json").toFile())
                .get("torch_dtype").asText());
        assertFalse(Files.exists(out.resolve("model.safetensors.index.json")));
    }
}
