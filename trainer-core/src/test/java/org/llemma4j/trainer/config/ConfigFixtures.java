package org.llemma4j.trainer.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared test helpers: fake dataset prefixes and a small valid config tree to vary. */
final class ConfigFixtures {

    private ConfigFixtures() {
    }

    /** Creates {@code dir/name.bin} and {@code dir/name.idx} (a few bytes each) and returns the prefix. */
    static Path dataset(Path dir, String name) {
        try {
            Path prefix = dir.resolve(name);
            Files.createDirectories(prefix.getParent());
            Files.write(prefix.resolveSibling(name.substring(name.lastIndexOf('/') + 1) + ".bin"), new byte[8]);
            Files.write(prefix.resolveSibling(name.substring(name.lastIndexOf('/') + 1) + ".idx"), new byte[8]);
            return prefix;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A minimal valid config: every required key, one training dataset created in {@code dir}. */
    static Map<String, Object> minimal(Path dir) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("num_layers", 2);
        tree.put("hidden_size", 64);
        tree.put("num_attention_heads", 4);
        tree.put("vocab_size", 128);
        tree.put("seq_length", 32);
        tree.put("train_micro_batch_size_per_gpu", 2);
        tree.put("train_iters", 10);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lr", 1e-3);
        Map<String, Object> optimizer = new LinkedHashMap<>();
        optimizer.put("params", params);
        tree.put("optimizer", optimizer);
        tree.put("train_data_paths", new ArrayList<>(List.of(dataset(dir, "train_a").toString())));
        return tree;
    }

    /** {@link #minimal} with {@code key=value} overrides applied (dotted keys reach into sections). */
    static Map<String, Object> with(Path dir, String... overrides) {
        Map<String, Object> tree = minimal(dir);
        for (String override : overrides) {
            ConfigSources.applyOverride(tree, override);
        }
        return tree;
    }

    /** Writes a config file into {@code dir} and returns it. */
    static Path file(Path dir, String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
