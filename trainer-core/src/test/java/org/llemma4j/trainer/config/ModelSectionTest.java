package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.trainer.model.LlamaConfig;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.llemma4j.trainer.config.ConfigFixtures.with;

/** The one mapping from GPT-NeoX keys to LlamaConfig, as training and {@code fromNeoxKeys} use it. */
class ModelSectionTest {

    @TempDir
    Path dir;

    @Test
    void aResolvedConfigGivesBackTheModelItWasTrainedWith() {
        for (String[] overrides : List.of(new String[] {}, new String[] {"num_kv_heads=2", "rotary_pct=0.5",
                "rotary_emb_base=1e6", "rms_norm_epsilon=1e-6", "no_weight_tying=false", "init_method_std=0.01",
                "intermediate_size=96", "max_position_embeddings=64", "attention_type=groupedquery"})) {
            TrainConfig c = TrainConfig.fromMap(with(dir, overrides));
            assertEquals(c.model(), ModelSection.fromNeoxKeys(c.resolved()));
        }
    }

    @Test
    void aHuggingFaceStyleMapGetsTheTrainersDefaults() {
        Map<String, Object> keys = new LinkedHashMap<>(Map.of("num_layers", 2, "hidden_size", 64,
                "num_attention_heads", 4, "vocab_size", 128, "max_position_embeddings", 256, "rms-norm-epsilon", 1e-6));
        assertEquals(LlamaConfig.builder().numLayers(2).hiddenSize(64).numHeads(4).numKvHeads(4).intermediateSize(256)
                        .vocabSize(128).maxPositions(256).normEps(1e-6).rotaryPct(1.0).ropeBase(10000.0)
                        .ropeScaling(1.0).tieEmbeddings(false).initStd(0.02).build(),
                ModelSection.fromNeoxKeys(keys));
        keys.remove("max_position_embeddings");
        keys.put("seq_length", 32);
        assertEquals(32, ModelSection.fromNeoxKeys(keys).maxPositions(), "default seq_length, as in training");
    }

    @Test
    void keysOfOtherSectionsAreNotRead() {
        Map<String, Object> keys = new LinkedHashMap<>(Map.of("num_layers", 2, "hidden_size", 64,
                "num_attention_heads", 4, "vocab_size", 128, "max_position_embeddings", 32,
                "train_iters", "not even a number", "optimizer", Map.of("type", "sgd"), "wandb_project", "x"));
        assertEquals(2, ModelSection.fromNeoxKeys(keys).numLayers());
    }

    @Test
    void badKeysAreConfigErrorsNamingTheKey() {
        Map<String, Object> keys = new LinkedHashMap<>(Map.of("num_layers", 2, "hidden_size", 64,
                "num_attention_heads", 4, "vocab_size", 128));
        assertEquals("missing required config key max_position_embeddings (or seq_length)",
                assertThrows(ConfigException.class, () -> ModelSection.fromNeoxKeys(keys)).getMessage());
        keys.remove("vocab_size");
        assertEquals("missing required config key vocab_size",
                assertThrows(ConfigException.class, () -> ModelSection.fromNeoxKeys(keys)).getMessage());
        keys.put("vocab_size", 128);
        keys.put("seq_length", 64);
        keys.put("max_position_embeddings", 32);
        assertEquals("seq_length 64 exceeds max_position_embeddings 32: RoPE tables cover only"
                + " max_position_embeddings positions",
                assertThrows(ConfigException.class, () -> ModelSection.fromNeoxKeys(keys)).getMessage());
        keys.remove("seq_length");
        keys.put("num_kv_heads", 3);
        assertEquals("num_attention_heads 4 is not divisible by num_kv_heads 3",
                assertThrows(ConfigException.class, () -> ModelSection.fromNeoxKeys(keys)).getMessage());
        keys.put("num_kv_heads", "two");
        assertEquals("num_kv_heads must be an integer, got \"two\"",
                assertThrows(ConfigException.class, () -> ModelSection.fromNeoxKeys(keys)).getMessage());
    }

    @Test
    void theSectionReadsExactlyItsDeclaredKeys() {
        // fromNeoxKeys passes on only KEYS: a key the section reads but KEYS lacks would silently get its default.
        ParsedConfig p = ParsedConfig.parse(KeyNames.normalizeTree(with(dir), ""));
        ModelSection.from(p, p.given(ConfigKeys.SEQ_LENGTH));
        assertEquals(new HashSet<>(ModelSection.KEYS.stream().map(ConfigKey::name).toList()),
                p.usedValues().keySet());
    }
}
