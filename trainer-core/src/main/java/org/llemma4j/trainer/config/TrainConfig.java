package org.llemma4j.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.llemma4j.trainer.model.LlamaConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The complete, validated, immutable configuration of a training run: one record per section, each read from its
 * keys (declared in {@link ConfigKeys}) by its own factory.
 *
 * <p>Built from GPT-NeoX-style YAML ({@link #load}) or a map ({@link #fromMap}). Construction does every check
 * that can be done without allocating anything: types and ranges of each key, then the rules between keys
 * (divisibility of heads, sequence length against the RoPE tables, exclusive spellings of one setting, data files
 * present on disk). A {@code TrainConfig} that exists is one the trainer can start with, once the launcher has
 * filled in the machine's thread count ({@link #withDefaultIntraOpThreads}); one loaded with {@link DataCheck#SKIP}
 * is one once {@link DataSection#requireFiles()} has passed.
 *
 * <p>{@link #resolved()} is the configuration as actually used, every default filled in and every alternative
 * spelling reduced to one ({@code warmup} to {@code warmup_iters}, {@code decay_lr_to} to {@code min_lr},
 * {@code bf16.enabled} to {@code precision}), so that it can be logged, saved in checkpoints, and loaded back to
 * the same configuration. It is made by walking the declared keys in order, each with the value its section read
 * it as.
 */
public final class TrainConfig {

    private static final Logger LOG = LoggerFactory.getLogger(TrainConfig.class);

    private final LlamaConfig model;
    private final OptimizerSection optimizer;
    private final TrainingSection training;
    private final ParallelismSection parallelism;
    private final DeviceSection device;
    private final LoggingSection logging;
    private final CheckpointSection checkpoint;
    private final DataSection data;
    private final List<String> ignoredKeys;
    private final List<String> warnings;
    /** Key name to the value it is used with, {@code null} when absent, in declaration order. */
    private final Map<String, Object> used;
    private final Map<String, Object> resolved;

    /**
     * Loads YAML files merged left to right (sections merge key by key, later files win), then applies
     * {@code key=value} overrides (dotted keys reach into sections). Relative paths in the config resolve
     * against the current directory.
     *
     * @throws ConfigException naming the key and value at fault
     */
    public static TrainConfig load(List<Path> files, List<String> overrides) {
        return load(files, overrides, DataCheck.FILES);
    }

    /**
     * As {@link #load(List, List)}, checking the data section as {@code dataCheck} says: {@link DataCheck#SKIP}
     * loads a cluster config on a machine without its data (for {@code launch plan}, or to check a run's
     * requirements before {@link DataSection#requireFiles()}).
     *
     * @throws ConfigException naming the key and value at fault
     */
    public static TrainConfig load(List<Path> files, List<String> overrides, DataCheck dataCheck) {
        return parse(ConfigSources.read(files, overrides), currentDirectory(), dataCheck);
    }

    /** A config from an in-memory tree, as a YAML file would give it (nested maps, GPT-NeoX key names). */
    public static TrainConfig fromMap(Map<String, Object> config) {
        return fromMap(config, currentDirectory());
    }

    /** As {@link #fromMap(Map)}, resolving relative paths against {@code baseDir}. */
    static TrainConfig fromMap(Map<String, Object> config, Path baseDir) {
        return parse(KeyNames.normalizeTree(config, ""), baseDir, DataCheck.FILES);
    }

    private static Path currentDirectory() {
        return Path.of("").toAbsolutePath();
    }

    private static TrainConfig parse(Map<String, Object> tree, Path baseDir, DataCheck dataCheck) {
        ParsedConfig p = ParsedConfig.parse(tree);
        p.require(NUM_LAYERS, HIDDEN_SIZE, NUM_ATTENTION_HEADS, VOCAB_SIZE, SEQ_LENGTH, MICRO_BATCH_SIZE, TRAIN_ITERS,
                LR);
        List<String> warnings = new ArrayList<>();
        LlamaConfig model = ModelSection.from(p, p.given(SEQ_LENGTH));
        ParallelismSection parallelism = ParallelismSection.from(p, model);
        DeviceSection device = DeviceSection.from(p);
        OptimizerSection optimizer = OptimizerSection.from(p, p.get(TRAIN_ITERS));
        TrainingSection training = TrainingSection.from(p, model);
        LoggingSection logging = LoggingSection.from(p);
        CheckpointSection checkpoint = CheckpointSection.from(p, baseDir, warnings);
        DataSection data = DataSection.from(p, baseDir, dataCheck);

        List<String> ignored = p.ignored();
        if (!ignored.isEmpty()) {
            // One line for all of them: a GPT-NeoX config has a dozen, and a dozen lines would bury real warnings.
            warnings.add(0, "ignoring " + ignored.size() + " GPT-NeoX key" + (ignored.size() == 1 ? "" : "s")
                    + " this trainer does not use: " + String.join(", ", ignored));
        }
        for (String w : warnings) {
            LOG.warn(w);
        }
        return new TrainConfig(model, optimizer, training, parallelism, device, logging, checkpoint, data, ignored,
                warnings, p.usedValues());
    }

    private TrainConfig(LlamaConfig model, OptimizerSection optimizer, TrainingSection training,
                        ParallelismSection parallelism, DeviceSection device, LoggingSection logging,
                        CheckpointSection checkpoint, DataSection data, List<String> ignoredKeys, List<String> warnings,
                        Map<String, Object> used) {
        this.model = model;
        this.optimizer = optimizer;
        this.training = training;
        this.parallelism = parallelism;
        this.device = device;
        this.logging = logging;
        this.checkpoint = checkpoint;
        this.data = data;
        this.ignoredKeys = List.copyOf(ignoredKeys);
        this.warnings = List.copyOf(warnings);
        this.used = Collections.unmodifiableMap(new LinkedHashMap<>(used));
        this.resolved = resolvedTree(this.used);
    }

    /**
     * This config with {@code intra_op_threads} set to {@code threads} unless the config gives it: the launcher's
     * default, which depends on the machine and on how many ranks share it (so it is not the config's to know).
     * The resolved view then shows the value used.
     *
     * @throws ConfigException when {@code threads} is not a valid intra_op_threads
     */
    public TrainConfig withDefaultIntraOpThreads(int threads) {
        INTRA_OP_THREADS.check(threads);
        if (training.intraOpThreads().isPresent()) {
            return this;
        }
        Map<String, Object> withThreads = new LinkedHashMap<>(used);
        withThreads.put(INTRA_OP_THREADS.name(), threads);
        return new TrainConfig(model, optimizer, training.withIntraOpThreads(threads), parallelism, device, logging,
                checkpoint, data, ignoredKeys, warnings, withThreads);
    }

    /**
     * The declared keys in declaration order, nested into sections, each with the value it is used with;
     * alternative spellings and absent optional keys left out. Every other key must have been read by a section.
     */
    private static Map<String, Object> resolvedTree(Map<String, Object> used) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigKeys.all().values()) {
            if (key.isAlternative()) {
                continue;
            }
            if (!used.containsKey(key.name())) {
                throw new IllegalStateException("config key " + key + " is declared but no section reads it");
            }
            Object value = used.get(key.name());
            if (value != null) {
                ConfigTree.set(tree, key.name(), value);
            }
        }
        return deepUnmodifiable(tree);
    }

    private static Map<String, Object> deepUnmodifiable(Map<String, Object> tree) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?>) {
                v = deepUnmodifiable(ConfigTree.asTree(v));
            } else if (v instanceof List<?> list) {
                v = List.copyOf(list);
            }
            out.put(e.getKey(), v);
        }
        return Collections.unmodifiableMap(out);
    }

    // ---- sections -----------------------------------------------------------------------------------------

    /** The model architecture ({@link ModelSection}). */
    public LlamaConfig model() {
        return model;
    }

    /** AdamW settings and the learning-rate schedule. */
    public OptimizerSection optimizer() {
        return optimizer;
    }

    /** Batch, length, iterations, numerics, activation recomputation. */
    public TrainingSection training() {
        return training;
    }

    /** Tensor parallelism and the data-parallel optimizer. */
    public ParallelismSection parallelism() {
        return parallelism;
    }

    /** Where each rank computes, and its MFU peak. */
    public DeviceSection device() {
        return device;
    }

    /** Log and validation intervals. */
    public LoggingSection logging() {
        return logging;
    }

    /** Where checkpoints go and come from. */
    public CheckpointSection checkpoint() {
        return checkpoint;
    }

    /** The datasets. */
    public DataSection data() {
        return data;
    }

    /** GPT-NeoX keys present in the config and deliberately not used (normalized, in file order). */
    public List<String> ignoredKeys() {
        return ignoredKeys;
    }

    /** Warnings raised while building (also logged); the ignored keys are one warning, first. */
    public List<String> warnings() {
        return warnings;
    }

    // ---- resolved view ------------------------------------------------------------------------------------

    /**
     * The configuration as used: normalized GPT-NeoX keys in sections, every default filled in, one spelling per
     * setting, absolute paths. Unmodifiable. {@code fromMap(resolved())} gives an equal config.
     */
    public Map<String, Object> resolved() {
        return resolved;
    }

    /** {@link #resolved()} as YAML. */
    public String toYaml() {
        try {
            return ConfigSources.YAML.writeValueAsString(resolved);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a resolved config always serializes", e);
        }
    }

    /** {@link #resolved()} as pretty-printed JSON. */
    public String toJson() {
        try {
            return ConfigSources.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(resolved);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a resolved config always serializes", e);
        }
    }

    /** Equal when the resolved configurations are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig other && resolved.equals(other.resolved);
    }

    @Override
    public int hashCode() {
        return resolved.hashCode();
    }

    @Override
    public String toString() {
        return toYaml();
    }
}
