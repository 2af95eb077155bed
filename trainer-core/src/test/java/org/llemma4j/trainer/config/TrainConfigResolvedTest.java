package org.llemma4j.trainer.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.dataset;
import static org.llemma4j.trainer.config.ConfigFixtures.file;
import static org.llemma4j.trainer.config.ConfigFixtures.with;

class TrainConfigResolvedTest {

    @TempDir
    Path dir;

    /** Alternative spellings, derived defaults, paths; intra_op_threads filled in as a launcher would. */
    private TrainConfig rich() {
        Path v = dataset(dir, "valid/v");
        return TrainConfig.fromMap(with(dir, "num_kv_heads=2", "warmup=0.2", "decay_lr_to=0.1",
                "lr_decay_style=cosine", "bf16.enabled=true", "save_interval=5", "save=runs/r",
                "valid_data_paths=[" + v + "]", "zero_optimization.stage=1", "optimizer.type=AdamW", "device=CUDA",
                "peak_tflops=989")).withDefaultIntraOpThreads(3);
    }

    @Test
    void resolvedFillsDefaultsAndUsesOneSpellingPerSetting() {
        Map<String, Object> r = rich().resolved();
        assertEquals(1234L, r.get("seed"));
        assertEquals("cuda", r.get("device"));
        assertEquals(989.0, r.get("peak_tflops"));
        assertEquals(256, r.get("intermediate_size"));
        assertEquals(32, r.get("max_position_embeddings"));
        assertEquals(2L, r.get("warmup_iters"), "warmup 0.2 x 10");
        assertEquals(1e-4, (Double) r.get("min_lr"), 1e-18);
        assertEquals("bf16", r.get("precision"));
        assertEquals(5, r.get("checkpoint_factor"));
        assertEquals("adamw", ((Map<?, ?>) r.get("optimizer")).get("type"));
        assertEquals(List.of(0.9, 0.999), ((Map<?, ?>) ((Map<?, ?>) r.get("optimizer")).get("params")).get("betas"));
        assertEquals(Map.of("stage", 1, "overlap_comm", false, "reduce_bucket_size", 500_000_000L),
                r.get("zero_optimization"));
        assertEquals(List.of(1.0), r.get("valid_data_weights"));
        for (String alternative : List.of("warmup", "decay_lr_to", "bf16", "save_interval")) {
            assertFalse(r.containsKey(alternative), alternative + " is folded into its canonical key");
        }
        assertTrue(Path.of((String) r.get("save")).isAbsolute());
    }

    @Test
    void resolvedCoversEveryImplementedKeyThatHasAValue() {
        Map<String, Object> r = rich().resolved();
        for (String key : ConfigKeys.all().keySet()) {
            boolean alternative = List.of("warmup", "decay_lr_to", "bf16.enabled", "fp16.enabled", "save_interval",
                    "load", "vocab_file", "data_path", "test_data_paths", "test_data_weights").contains(key);
            if (!alternative) {
                assertTrue(lookup(r, key) != null, key + " missing from resolved()");
            }
        }
    }

    private static Object lookup(Map<String, Object> tree, String dotted) {
        Object node = tree;
        for (String part : dotted.split("\\.")) {
            node = node instanceof Map<?, ?> m ? m.get(part) : null;
        }
        return node;
    }

    @Test
    void resolvedKeysFollowTheDeclarationOrder() {
        List<String> declared = ConfigKeys.all().values().stream().filter(key -> !key.isAlternative())
                .map(ConfigKey::name).filter(name -> lookup(rich().resolved(), name) != null).toList();
        assertEquals(declared, flatten(rich().resolved(), ""));
    }

    private static List<String> flatten(Map<String, Object> tree, String prefix) {
        List<String> names = new java.util.ArrayList<>();
        tree.forEach((key, value) -> {
            if (value instanceof Map<?, ?> section) {
                @SuppressWarnings("unchecked")
                Map<String, Object> inner = (Map<String, Object>) section;
                names.addAll(flatten(inner, prefix + key + "."));
            } else {
                names.add(prefix + key);
            }
        });
        return names;
    }

    @Test
    void intraOpThreadsIsTheLaunchersDefaultUnlessGiven() {
        TrainConfig unresolved = TrainConfig.fromMap(with(dir));
        assertTrue(unresolved.training().intraOpThreads().isEmpty());
        assertFalse(unresolved.resolved().containsKey("intra_op_threads"), "nothing is used yet");

        TrainConfig launched = unresolved.withDefaultIntraOpThreads(3);
        assertEquals(Optional.of(3), launched.training().intraOpThreads());
        assertEquals(3, launched.resolved().get("intra_op_threads"), "the resolved view shows the value used");
        assertEquals(launched, TrainConfig.fromMap(launched.resolved()), "and loads back to the same config");
        assertNotEquals(unresolved, launched);

        TrainConfig given = TrainConfig.fromMap(with(dir, "intra_op_threads=2"));
        assertEquals(Optional.of(2), given.withDefaultIntraOpThreads(3).training().intraOpThreads(),
                "a value in the config wins over the launcher's default");
        assertEquals("intra_op_threads must be >= 1, got 0", assertThrows(ConfigException.class,
                () -> unresolved.withDefaultIntraOpThreads(0)).getMessage());
    }

    @Test
    void resolvedRoundTripsThroughFromMap() {
        TrainConfig c = rich();
        TrainConfig again = TrainConfig.fromMap(c.resolved());
        assertEquals(c.resolved(), again.resolved());
        assertEquals(c, again);
        assertEquals(c.model(), again.model());
        assertEquals(c.optimizer().adamW(), again.optimizer().adamW());
        assertEquals(c.optimizer().schedule(), again.optimizer().schedule());
        assertTrue(again.warnings().isEmpty(), "no alternative spellings left to warn about");
    }

    @Test
    void yamlAndJsonRoundTrip() throws Exception {
        TrainConfig c = rich();
        Path yaml = file(dir, "resolved.yml", c.toYaml());
        assertEquals(c, TrainConfig.load(List.of(yaml), List.of()));
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().readValue(c.toJson(), Map.class);
        assertEquals(c, TrainConfig.fromMap(json));
        assertTrue(c.toYaml().contains("num_layers: 2"), c.toYaml());
    }

    @Test
    void resolvedIsImmutable() {
        Map<String, Object> r = rich().resolved();
        assertThrows(UnsupportedOperationException.class, () -> r.put("seed", 1));
        @SuppressWarnings("unchecked")
        Map<String, Object> optimizer = (Map<String, Object>) r.get("optimizer");
        assertThrows(UnsupportedOperationException.class, () -> optimizer.put("type", "sgd"));
        @SuppressWarnings("unchecked")
        List<Object> paths = (List<Object>) r.get("train_data_paths");
        assertThrows(UnsupportedOperationException.class, () -> paths.add("x"));
        assertThrows(UnsupportedOperationException.class, () -> rich().data().train().paths().clear());
    }

    @Test
    void inputMapIsNotModifiedAndLaterChangesDoNotLeakIn() {
        Map<String, Object> tree = with(dir, "seed=7");
        tree.put("train-iters", tree.remove("train_iters"));
        TrainConfig c = TrainConfig.fromMap(tree);
        assertTrue(tree.containsKey("train-iters"), "normalization works on a copy");
        tree.put("seed", 8);
        assertEquals(7, c.training().seed());
        assertNotEquals(c, TrainConfig.fromMap(tree));
    }
}
