package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.dataset;
import static org.llemma4j.trainer.config.ConfigFixtures.minimal;
import static org.llemma4j.trainer.config.ConfigFixtures.with;

/** Bad data keys and files: the message names the key, the file and the numbers at fault. */
class DataConfigErrorsTest {

    @TempDir
    Path dir;

    private String error(String... overrides) {
        return error(with(dir, overrides));
    }

    private static String error(Map<String, Object> tree) {
        return assertThrows(ConfigException.class, () -> TrainConfig.fromMap(tree)).getMessage();
    }

    @Test
    void missingDataFileNamesKeyAndFile() throws Exception {
        Path prefix = dir.resolve("half");
        Files.write(dir.resolve("half.bin"), new byte[1]);
        assertEquals("missing data file: train_data_paths[0] " + dir.resolve("half.idx")
                        + " (each dataset prefix needs prefix.bin and prefix.idx)",
                error("train_data_paths=[" + prefix + "]"));
    }

    @Test
    void allMissingDataFilesAreListed() {
        Path a = dataset(dir, "a");
        String message = error("train_data_paths=[" + a + ", " + dir.resolve("nope") + "]",
                "valid_data_paths=[" + dir.resolve("gone") + "]");
        assertTrue(message.startsWith("missing data files: train_data_paths[1] " + dir.resolve("nope.bin")
                + "; train_data_paths[1] " + dir.resolve("nope.idx") + "; valid_data_paths[0] "
                + dir.resolve("gone.bin")), message);
    }

    @Test
    void prefixWrittenWithExtensionGetsAHint() {
        Path a = dataset(dir, "a");
        String message = error("train_data_paths=[" + a + ".bin]");
        assertTrue(message.contains("train_data_paths[0] " + dir.resolve("a.bin.bin")
                + " (give the prefix without .bin/.idx)"), message);
    }

    @Test
    void missingDataPathFile() {
        Map<String, Object> tree = minimal(dir);
        tree.remove("train_data_paths");
        tree.put("data_path", dir.resolve("absent").toString());
        assertTrue(error(tree).startsWith("missing data files: data_path " + dir.resolve("absent.bin")));
    }

    @Test
    void weightsAndPathsLengthMismatch() {
        assertEquals("train_data_weights has 2 entries but train_data_paths has 1: give one weight per path",
                error("train_data_weights=[1, 2]"));
        Path v = dataset(dir, "v");
        assertEquals("valid_data_weights has 1 entries but valid_data_paths has 2: give one weight per path",
                error("valid_data_paths=[" + v + ", " + v + "]", "valid_data_weights=[1]"));
    }

    @Test
    void negativeWeight() {
        Path b = dataset(dir, "b");
        assertEquals("train_data_weights[1] must be >= 0, got -1.0",
                error("train_data_paths=[" + dir.resolve("train_a") + ", " + b + "]", "train_data_weights=[2, -1]"));
    }

    @Test
    void allZeroWeights() {
        assertEquals("train_data_weights must not be all zero, got [0.0]", error("train_data_weights=[0]"));
    }

    @Test
    void emptyPathList() {
        assertEquals("train_data_paths must list at least one dataset prefix, got []", error("train_data_paths=[]"));
    }

    @Test
    void weightsWithoutPaths() {
        assertEquals("test_data_weights is given without test_data_paths", error("test_data_weights=[1]"));
    }

    @Test
    void dataPathAndTrainDataPathsAreExclusive() {
        Path all = dataset(dir, "all");
        assertTrue(error("data_path=" + all).startsWith("data_path and train_data_paths are exclusive: give one"));
        Map<String, Object> none = minimal(dir);
        none.remove("train_data_paths");
        assertEquals("no training data: give data_path or train_data_paths", error(none));
    }

    @Test
    void validPathsNeedTrainPaths() {
        Path all = dataset(dir, "all");
        Map<String, Object> tree = minimal(dir);
        tree.remove("train_data_paths");
        tree.put("data_path", all.toString());
        tree.put("valid_data_paths", List.of(all.toString()));
        assertEquals("valid_data_paths needs train_data_paths: with data_path, validation and test sets come from"
                + " split", error(tree));
    }

    @Test
    void badSplits() {
        String expected = "split must be up to three comma-separated non-negative numbers, not all zero, such as"
                + " \"969,30,1\", got ";
        assertEquals(expected + "\"1,2,3,4\"", error("split=\"1,2,3,4\""));
        assertEquals(expected + "\"-1,2,3\"", error("split=\"-1,2,3\""));
        assertEquals(expected + "\"0,0,0\"", error("split=\"0,0,0\""));
    }
}
