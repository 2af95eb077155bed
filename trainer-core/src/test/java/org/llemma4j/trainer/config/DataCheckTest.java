package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DataCheck#SKIP}: a config whose data lives elsewhere loads; the skipped checks run on request. */
class DataCheckTest {

    @TempDir
    Path dir;

    private Path config(String data) {
        return ConfigFixtures.file(dir, "c.yaml", String.join("\n",
                "num_layers: 2", "hidden_size: 64", "num_attention_heads: 4", "vocab_size: 128",
                "seq_length: 32", "train_micro_batch_size_per_gpu: 2", "train_iters: 10",
                "optimizer: {params: {lr: 1.0e-3}}", data, ""));
    }

    @Test
    void missingFilesFailByDefaultAndLoadWithSkip() {
        Path file = config("train_data_paths: [elsewhere/arxiv_text_document]");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(file), List.of()));
        assertTrue(e.getMessage().startsWith("missing data files: train_data_paths[0] "), e.getMessage());

        TrainConfig c = TrainConfig.load(List.of(file), List.of(), DataCheck.SKIP);
        assertEquals(1, c.data().train().paths().size());
        ConfigException later = assertThrows(ConfigException.class, c.data()::requireFiles);
        assertEquals(e.getMessage(), later.getMessage(), "requireFiles is the check FILES does while loading");
    }

    @Test
    void skipAllowsNoDataKeysButRequireDataFilesDoesNot() {
        Path file = config("");
        assertEquals("no training data: give data_path or train_data_paths",
                assertThrows(ConfigException.class, () -> TrainConfig.load(List.of(file), List.of())).getMessage());
        TrainConfig c = TrainConfig.load(List.of(file), List.of(), DataCheck.SKIP);
        assertTrue(c.data().train().paths().isEmpty());
        assertEquals("no training data: give data_path or train_data_paths",
                assertThrows(ConfigException.class, c.data()::requireFiles).getMessage());
    }

    @Test
    void skipStillValidatesTheDataKeysAsWritten() {
        Path file = config("train_data_paths: [a, b]\ntrain_data_weights: [1]");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(file), List.of(), DataCheck.SKIP));
        assertEquals("train_data_weights has 1 entries but train_data_paths has 2: give one weight per path",
                e.getMessage());
    }

    @Test
    void presentFilesPassBothWays() {
        Path prefix = ConfigFixtures.dataset(dir, "here");
        Path file = config("train_data_paths: [" + prefix + "]");
        TrainConfig checked = TrainConfig.load(List.of(file), List.of());
        TrainConfig skipped = TrainConfig.load(List.of(file), List.of(), DataCheck.SKIP);
        skipped.data().requireFiles();
        assertEquals(checked, skipped);
    }
}
