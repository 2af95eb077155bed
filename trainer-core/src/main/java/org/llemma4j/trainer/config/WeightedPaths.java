package org.llemma4j.trainer.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Dataset prefixes and their blend weights, as given by {@code *_data_paths} and {@code *_data_weights}.
 * Weights are as written (not normalized): the blending code divides by their sum.
 *
 * @param paths   absolute dataset prefixes; {@code prefix.bin} and {@code prefix.idx} exist
 * @param weights one non-negative weight per prefix, not all zero; equal when not given
 */
public record WeightedPaths(List<Path> paths, List<Double> weights) {

    /** No datasets (for example no test set). */
    public static final WeightedPaths NONE = new WeightedPaths(List.of(), List.of());

    public WeightedPaths {
        paths = List.copyOf(paths);
        weights = List.copyOf(weights);
        if (paths.size() != weights.size()) {
            throw new IllegalArgumentException(paths.size() + " paths but " + weights.size() + " weights");
        }
    }

    public boolean isEmpty() {
        return paths.isEmpty();
    }
}
