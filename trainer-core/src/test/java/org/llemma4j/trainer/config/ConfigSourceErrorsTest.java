package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.file;

/** Bad config files and --set overrides: the message names the file or the override as written. */
class ConfigSourceErrorsTest {

    @TempDir
    Path dir;

    @Test
    void overrideWithoutEquals() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(), List.of("seed")));
        assertEquals("override \"seed\" must be key=value", e.getMessage());
    }

    @Test
    void overrideWithoutValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(), List.of("seed=")));
        assertEquals("override seed has no value: \"seed=\"", e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(), List.of("seed=# 5")));
        assertEquals("override seed has no value: \"seed=# 5\"", e.getMessage());
    }

    @Test
    void overrideWithUnparseableValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(), List.of("optimizer.params.betas=[0.9, 0.95")));
        assertTrue(e.getMessage().startsWith("override optimizer.params.betas: cannot parse value \"[0.9, 0.95\""),
                e.getMessage());
    }

    @Test
    void overrideThroughAScalar() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(), List.of("seed=1", "seed.x=2")));
        assertEquals("cannot set seed.x: seed is 1, not a section", e.getMessage());
    }

    @Test
    void configFileProblems() {
        Path absent = dir.resolve("absent.yml");
        assertEquals("config file " + absent + " does not exist",
                assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(absent), List.of())).getMessage());
        Path list = file(dir, "list.yml", "- a\n- b\n");
        assertEquals("config file " + list + " must hold a map of keys, got [a, b]",
                assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(list), List.of())).getMessage());
        Path broken = file(dir, "broken.yml", "{\"num_layers\": 2,\n \"seed\" 3}\n");
        String message = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(broken), List.of())).getMessage();
        assertTrue(message.startsWith("config file " + broken + " is not valid YAML: "), message);
        assertTrue(message.contains("(line "), message);
        Path duplicate = file(dir, "dup.yml", "seed: 1\nseed: 2\n");
        message = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(duplicate), List.of())).getMessage();
        assertTrue(message.contains("seed"), message);
        assertFalse(message.isBlank());
    }

    @Test
    void malformedOverrideKeys() {
        for (String bad : List.of(".seed=1", "seed.=1", "optimizer..lr=1")) {
            ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(), List.of(bad)));
            assertTrue(e.getMessage().startsWith("override \"" + bad + "\" has a malformed key"), e.getMessage());
        }
    }

    @Test
    void configFileThatIsADirectory() {
        String message = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(dir), List.of())).getMessage();
        assertTrue(message.startsWith("cannot read config file " + dir + ": "), message);
    }

    @Test
    void commentOnlyFileIsAnEmptyConfig() {
        Path comments = file(dir, "comments.yml", "# nothing here yet\n");
        assertEquals("missing required config keys num_layers, hidden_size, num_attention_heads, vocab_size,"
                        + " seq_length, train_micro_batch_size_per_gpu, train_iters, optimizer.params.lr",
                assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(comments), List.of())).getMessage());
    }
}
