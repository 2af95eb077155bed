package org.llemma4j.trainer.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The data section: one dataset prefix split into train/valid/test ({@code data_path} with {@code split}), or
 * blends of prefixes per set ({@code train/valid/test_data_paths} with their weights). Paths are absolute.
 *
 * @param dataPath {@code data_path}: one dataset prefix to split by {@code split}; empty when train_data_paths is
 *                 used
 * @param split    {@code split}: train,valid,test proportions of {@code dataPath}, such as {@code 969,30,1}
 * @param train    {@code train_data_paths} and their weights (equal when not given); empty with data_path
 * @param valid    {@code valid_data_paths} and their weights; possibly empty
 * @param test     {@code test_data_paths} and their weights; possibly empty
 */
public record DataSection(Optional<Path> dataPath, String split, WeightedPaths train, WeightedPaths valid,
                          WeightedPaths test) {

    public DataSection {
        Objects.requireNonNull(dataPath, "dataPath");
        SPLIT.check(split);
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(valid, "valid");
        Objects.requireNonNull(test, "test");
        if (dataPath.isPresent() && !(train.isEmpty() && valid.isEmpty() && test.isEmpty())) {
            throw new IllegalArgumentException("data_path excludes train_data_paths, valid_data_paths and"
                    + " test_data_paths");
        }
    }

    /**
     * Reads the section, resolving relative paths against {@code baseDir}. With {@link DataCheck#FILES} training
     * data must be named and every file present ({@link #requireFiles()}); with {@link DataCheck#SKIP} only the
     * keys as written are checked.
     */
    static DataSection from(ParsedConfig p, Path baseDir, DataCheck dataCheck) {
        String split = p.use(SPLIT, p.get(SPLIT).replace(" ", ""));
        Optional<Path> dataPath = p.path(DATA_PATH, baseDir);
        checkKeys(p, dataCheck);
        DataSection section = new DataSection(dataPath, split,
                weighted(p, TRAIN_DATA_PATHS, TRAIN_DATA_WEIGHTS, baseDir),
                weighted(p, VALID_DATA_PATHS, VALID_DATA_WEIGHTS, baseDir),
                weighted(p, TEST_DATA_PATHS, TEST_DATA_WEIGHTS, baseDir));
        if (dataCheck == DataCheck.FILES) {
            section.requireFiles();
        }
        return section;
    }

    private static void checkKeys(ParsedConfig p, DataCheck dataCheck) {
        boolean hasDataPath = p.isSet(DATA_PATH);
        boolean hasTrainPaths = p.isSet(TRAIN_DATA_PATHS);
        if (hasDataPath && hasTrainPaths) {
            throw new ConfigException("data_path and train_data_paths are exclusive: give one (data_path is split"
                    + " into train/valid/test by split; train_data_paths lists training sets)");
        }
        if (!hasDataPath && !hasTrainPaths && dataCheck == DataCheck.FILES) {
            throw new ConfigException("no training data: give data_path or train_data_paths");
        }
        if (hasDataPath) {
            for (ConfigKey<?> key : List.of(VALID_DATA_PATHS, TEST_DATA_PATHS)) {
                if (p.isSet(key)) {
                    throw new ConfigException(key.name() + " needs train_data_paths: with data_path, validation"
                            + " and test sets come from split");
                }
            }
        }
    }

    private static WeightedPaths weighted(ParsedConfig p, ConfigKey<List<String>> pathsKey,
                                          ConfigKey<List<Double>> weightsKey, Path baseDir) {
        Optional<List<String>> paths = p.given(pathsKey);
        Optional<List<Double>> weights = p.given(weightsKey);
        if (paths.isEmpty()) {
            if (weights.isPresent()) {
                throw new ConfigException(weightsKey.name() + " is given without " + pathsKey.name());
            }
            return WeightedPaths.NONE;
        }
        int n = paths.get().size();
        if (weights.isPresent() && weights.get().size() != n) {
            throw new ConfigException(weightsKey.name() + " has " + weights.get().size() + " entries but "
                    + pathsKey.name() + " has " + n + ": give one weight per path");
        }
        List<Path> resolvedPaths = new ArrayList<>(n);
        for (String path : paths.get()) {
            resolvedPaths.add(ParsedConfig.resolve(baseDir, path));
        }
        p.use(pathsKey, resolvedPaths.stream().map(Path::toString).toList());
        List<Double> used = p.use(weightsKey, weights.orElseGet(() -> Collections.nCopies(n, 1.0)));
        return new WeightedPaths(resolvedPaths, used);
    }

    /**
     * Checks what {@link DataCheck#SKIP} skipped: training data is named, and every dataset prefix has its
     * {@code .bin} and {@code .idx}. All missing files go in one message: a run with a wrong data root is missing
     * every one of them. Loading with {@link DataCheck#FILES} (the default) has already done this.
     *
     * @throws ConfigException naming the keys and files at fault
     */
    public void requireFiles() {
        if (dataPath.isEmpty() && train.isEmpty()) {
            throw new ConfigException("no training data: give data_path or train_data_paths");
        }
        List<String> missing = new ArrayList<>();
        dataPath.ifPresent(prefix -> missingFiles("data_path", prefix, missing));
        addMissing("train_data_paths", train, missing);
        addMissing("valid_data_paths", valid, missing);
        addMissing("test_data_paths", test, missing);
        if (!missing.isEmpty()) {
            throw new ConfigException("missing data file" + (missing.size() == 1 ? ": " : "s: ")
                    + String.join("; ", missing)
                    + " (each dataset prefix needs prefix.bin and prefix.idx)");
        }
    }

    private static void addMissing(String key, WeightedPaths set, List<String> missing) {
        for (int i = 0; i < set.paths().size(); i++) {
            missingFiles(key + "[" + i + "]", set.paths().get(i), missing);
        }
    }

    private static void missingFiles(String key, Path prefix, List<String> missing) {
        String name = prefix.getFileName() == null ? "" : prefix.getFileName().toString();
        String hint = name.endsWith(".bin") || name.endsWith(".idx")
                ? " (give the prefix without .bin/.idx)" : "";
        for (String ext : List.of(".bin", ".idx")) {
            Path file = prefix.resolveSibling(name + ext);
            if (!Files.isRegularFile(file)) {
                missing.add(key + " " + file + hint);
            }
        }
    }
}
