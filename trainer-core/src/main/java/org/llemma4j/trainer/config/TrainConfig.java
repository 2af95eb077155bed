package org.llemma4j.trainer.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.optim.LrSchedule;
import org.llemma4j.trainer.zero.ZeroSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The complete, validated, immutable configuration of a training run.
 *
 * <p>Built from GPT-NeoX-style YAML ({@link #load}) or a map ({@link #fromMap}). Construction does every check
 * that can be done without allocating anything: types and ranges of each key (declared in {@link ConfigKeys}),
 * then the rules between keys (divisibility of heads, sequence length against the RoPE tables, exclusive
 * spellings of one setting, data files present on disk). A {@code TrainConfig} that exists is one the trainer
 * can start with; one loaded with {@link DataCheck#SKIP} is one once {@link #requireDataFiles()} has passed.
 *
 * <p>{@link #resolved()} is the configuration as actually used, every default filled in and every alternative
 * spelling reduced to one ({@code warmup} to {@code warmup_iters}, {@code decay_lr_to} to {@code min_lr},
 * {@code bf16.enabled} to {@code precision}), so that it can be logged, saved in checkpoints, and loaded back to
 * the same configuration.
 */
public final class TrainConfig {

    private static final Logger LOG = LoggerFactory.getLogger(TrainConfig.class);

    /** Relative tolerance when min_lr and decay_lr_to x lr are both given and must agree. */
    private static final double MIN_LR_TOLERANCE = 1e-9;

    private final LlamaConfig model;
    private final AdamWSettings adamW;
    private final LrSchedule schedule;
    private final int seqLength;
    private final int microBatchSize;
    private final int gradientAccumulationSteps;
    private final long trainIters;
    private final Precision precision;
    private final long seed;
    private final int intraOpThreads;
    private final String device;
    private final Optional<Double> peakTflops;
    private final int logInterval;
    private final int evalInterval;
    private final int evalIters;
    private final int checkpointFactor;
    private final int keepLast;
    private final boolean finetune;
    private final Optional<Path> save;
    private final Optional<Path> load;
    private final Optional<Path> vocabFile;
    private final int modelParallelSize;
    private final int pipeParallelSize;
    private final int zeroStage;
    private final boolean overlapComm;
    private final long reduceBucketSize;
    private final boolean checkpointActivations;
    private final int checkpointNumLayers;
    private final Optional<Path> dataPath;
    private final String split;
    private final WeightedPaths train;
    private final WeightedPaths valid;
    private final WeightedPaths test;
    private final List<String> ignoredKeys;
    private final List<String> warnings;
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
     * requirements before {@link #requireDataFiles()}).
     *
     * @throws ConfigException naming the key and value at fault
     */
    public static TrainConfig load(List<Path> files, List<String> overrides, DataCheck dataCheck) {
        return new TrainConfig(ConfigSources.read(files, overrides), currentDirectory(), dataCheck);
    }

    /** A config from an in-memory tree, as a YAML file would give it (nested maps, GPT-NeoX key names). */
    public static TrainConfig fromMap(Map<String, Object> config) {
        return fromMap(config, currentDirectory());
    }

    /** As {@link #fromMap(Map)}, resolving relative paths against {@code baseDir}. */
    static TrainConfig fromMap(Map<String, Object> config, Path baseDir) {
        return new TrainConfig(KeyNames.normalizeTree(config, ""), baseDir, DataCheck.FILES);
    }

    private static Path currentDirectory() {
        return Path.of("").toAbsolutePath();
    }

    private TrainConfig(Map<String, Object> tree, Path baseDir, DataCheck dataCheck) {
        ParsedConfig p = ParsedConfig.parse(tree);
        requireAll(p, NUM_LAYERS, HIDDEN_SIZE, NUM_ATTENTION_HEADS, VOCAB_SIZE, SEQ_LENGTH, MICRO_BATCH_SIZE,
                TRAIN_ITERS, LR);
        List<String> warn = new ArrayList<>();

        this.seqLength = p.get(SEQ_LENGTH);
        this.microBatchSize = p.get(MICRO_BATCH_SIZE);
        this.gradientAccumulationSteps = p.get(GRADIENT_ACCUMULATION_STEPS);
        this.trainIters = p.get(TRAIN_ITERS);
        this.modelParallelSize = p.get(MODEL_PARALLEL_SIZE);
        this.pipeParallelSize = p.get(PIPE_PARALLEL_SIZE);
        this.zeroStage = p.get(ZERO_STAGE);
        this.overlapComm = p.get(OVERLAP_COMM);
        this.reduceBucketSize = p.get(REDUCE_BUCKET_SIZE);
        this.model = buildModel(p);
        checkTensorParallel(model, modelParallelSize);

        this.adamW = buildAdamW(p);
        this.schedule = buildSchedule(p, trainIters);
        this.precision = buildPrecision(p);

        this.seed = p.get(SEED);
        this.intraOpThreads = p.given(INTRA_OP_THREADS).orElse(defaultIntraOpThreads());
        this.device = p.get(DEVICE);
        this.peakTflops = p.given(PEAK_TFLOPS);
        this.logInterval = p.get(LOG_INTERVAL);
        this.evalInterval = p.get(EVAL_INTERVAL);
        this.evalIters = p.get(EVAL_ITERS);
        this.checkpointFactor = buildCheckpointFactor(p, warn);
        this.keepLast = p.get(KEEP_LAST_N_CHECKPOINTS);
        this.finetune = p.get(FINETUNE);
        this.save = p.given(SAVE).map(s -> resolve(baseDir, s));
        this.load = p.given(LOAD).map(s -> resolve(baseDir, s));
        this.vocabFile = p.given(VOCAB_FILE).map(s -> resolve(baseDir, s));
        this.checkpointActivations = p.get(CHECKPOINT_ACTIVATIONS);
        this.checkpointNumLayers = p.get(CHECKPOINT_NUM_LAYERS);
        if (checkpointNumLayers > model.numLayers()) {
            throw new ConfigException("checkpoint_num_layers " + checkpointNumLayers + " exceeds num_layers "
                    + model.numLayers());
        }

        this.split = p.get(SPLIT).replace(" ", "");
        this.dataPath = p.given(DATA_PATH).map(s -> resolve(baseDir, s));
        checkDataKeys(p, dataCheck);
        this.train = weighted(p, TRAIN_DATA_PATHS, TRAIN_DATA_WEIGHTS, baseDir);
        this.valid = weighted(p, VALID_DATA_PATHS, VALID_DATA_WEIGHTS, baseDir);
        this.test = weighted(p, TEST_DATA_PATHS, TEST_DATA_WEIGHTS, baseDir);
        if (dataCheck == DataCheck.FILES) {
            requireDataFiles();
        }

        this.ignoredKeys = List.copyOf(p.ignored());
        if (!ignoredKeys.isEmpty()) {
            // One line for all of them: a GPT-NeoX config has a dozen, and a dozen lines would bury real warnings.
            warn.add(0, "ignoring " + ignoredKeys.size() + " GPT-NeoX key" + (ignoredKeys.size() == 1 ? "" : "s")
                    + " this trainer does not use: " + String.join(", ", ignoredKeys));
        }
        this.warnings = List.copyOf(warn);
        this.resolved = buildResolved(p);
        for (String w : warnings) {
            LOG.warn(w);
        }
    }

    // ---- model --------------------------------------------------------------------------------------------

    private static void requireAll(ParsedConfig p, ConfigKey<?>... keys) {
        List<String> missing = new ArrayList<>();
        for (ConfigKey<?> key : keys) {
            if (!p.isSet(key)) {
                missing.add(key.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException("missing required config key" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing));
        }
    }

    /** Llama's FFN width: 2/3 of 4 x hidden (SwiGLU has three matrices, not two), rounded up to 256. */
    static int llamaIntermediateSize(int hiddenSize) {
        long twoThirds = 8L * hiddenSize / 3;
        long rounded = (twoThirds + 255) / 256 * 256;
        if (rounded > Integer.MAX_VALUE) {
            throw new ConfigException("hidden_size " + hiddenSize + " gives an intermediate_size over 2^31");
        }
        return (int) rounded;
    }

    private LlamaConfig buildModel(ParsedConfig p) {
        int heads = p.get(NUM_ATTENTION_HEADS);
        int kvHeads = p.given(NUM_KV_HEADS).orElse(heads);
        p.given(ATTENTION_TYPE).ifPresent(type -> checkAttentionType(type, heads, kvHeads));
        int hidden = p.get(HIDDEN_SIZE);
        int intermediate = p.given(INTERMEDIATE_SIZE).orElseGet(() -> llamaIntermediateSize(hidden));
        int maxPositions = p.given(MAX_POSITION_EMBEDDINGS).orElse(seqLength);
        if (seqLength > maxPositions) {
            throw new ConfigException("seq_length " + seqLength + " exceeds max_position_embeddings "
                    + maxPositions + ": RoPE tables cover only max_position_embeddings positions");
        }
        int vocab = p.get(VOCAB_SIZE);
        int multiple = p.get(MAKE_VOCAB_SIZE_DIVISIBLE_BY);
        if (vocab % multiple != 0) {
            throw new ConfigException("vocab_size " + vocab + " is not a multiple of make_vocab_size_divisible_by "
                    + multiple + " (" + vocab + " % " + multiple + " = " + vocab % multiple + ")");
        }
        try {
            return new LlamaConfig(p.get(NUM_LAYERS), hidden, heads, kvHeads, intermediate, vocab, maxPositions,
                    p.get(RMS_NORM_EPSILON), p.get(ROTARY_PCT), p.get(ROTARY_EMB_BASE), !p.get(NO_WEIGHT_TYING),
                    p.get(INIT_METHOD_STD));
        } catch (IllegalArgumentException e) {
            // LlamaConfig's messages already name GPT-NeoX keys; keep them, but as our exception type.
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static void checkAttentionType(String type, int heads, int kvHeads) {
        if (type.equals("multihead") && kvHeads != heads) {
            throw new ConfigException("attention_type multihead needs num_kv_heads equal to num_attention_heads,"
                    + " got num_kv_heads " + kvHeads + " and num_attention_heads " + heads);
        }
        if (type.equals("multiquery") && kvHeads != 1) {
            throw new ConfigException("attention_type multiquery needs num_kv_heads 1, got num_kv_heads " + kvHeads);
        }
    }

    /** Megatron tensor parallelism splits heads, KV heads, the FFN and the vocabulary evenly over the TP ranks. */
    private static void checkTensorParallel(LlamaConfig m, int tp) {
        divisible("num_attention_heads", m.numHeads(), tp);
        divisible("num_kv_heads", m.numKvHeads(), tp);
        divisible("intermediate_size", m.intermediateSize(), tp);
        divisible("vocab_size", m.vocabSize(), tp);
    }

    private static void divisible(String key, int value, int tp) {
        if (value % tp != 0) {
            throw new ConfigException(key + " " + value + " is not divisible by model_parallel_size " + tp);
        }
    }

    // ---- optimizer and schedule ---------------------------------------------------------------------------

    private static AdamWSettings buildAdamW(ParsedConfig p) {
        List<Double> betas = p.get(BETAS);
        try {
            return new AdamWSettings(betas.get(0), betas.get(1), p.get(EPS), p.get(WEIGHT_DECAY),
                    p.get(GRADIENT_CLIPPING));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static LrSchedule buildSchedule(ParsedConfig p, long trainIters) {
        double lr = p.get(LR);
        long decayIters = p.given(LR_DECAY_ITERS).orElse(trainIters);
        if (p.isSet(WARMUP) && p.isSet(WARMUP_ITERS)) {
            throw new ConfigException("warmup " + p.get(WARMUP) + " and warmup_iters " + p.get(WARMUP_ITERS)
                    + " are two spellings of one setting: give only one");
        }
        long warmupIters = p.given(WARMUP_ITERS).orElseGet(() -> Math.round(p.get(WARMUP) * decayIters));
        double minLr = p.get(MIN_LR);
        if (p.isSet(DECAY_LR_TO)) {
            double fraction = p.get(DECAY_LR_TO);
            double fromFraction = fraction * lr;
            if (p.isSet(MIN_LR) && Math.abs(minLr - fromFraction)
                    > MIN_LR_TOLERANCE * Math.max(Math.abs(minLr), Math.abs(fromFraction))) {
                throw new ConfigException("min_lr " + minLr + " contradicts decay_lr_to " + fraction
                        + " x optimizer.params.lr " + lr + " = " + fromFraction + ": give only one");
            }
            minLr = fromFraction;
        }
        LrSchedule.Style style = LrSchedule.Style.valueOf(p.get(LR_DECAY_STYLE).toUpperCase(java.util.Locale.ROOT));
        try {
            return new LrSchedule(lr, minLr, warmupIters, decayIters, style);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static Precision buildPrecision(ParsedConfig p) {
        Optional<String> written = p.given(PRECISION);
        if (written.isEmpty()) {
            return p.get(BF16_ENABLED) ? Precision.BF16 : Precision.FP32;
        }
        // The PRECISION validator has already rejected everything else (fp16 with its own message).
        Precision chosen = switch (written.get()) {
            case "bf16", "bfloat16" -> Precision.BF16;
            case "fp32", "float32" -> Precision.FP32;
            default -> throw new IllegalStateException("precision " + written.get() + " passed validation");
        };
        if (p.isSet(BF16_ENABLED) && p.get(BF16_ENABLED) != (chosen == Precision.BF16)) {
            throw new ConfigException("precision \"" + written.get() + "\" contradicts bf16.enabled "
                    + p.get(BF16_ENABLED));
        }
        return chosen;
    }

    private static int buildCheckpointFactor(ParsedConfig p, List<String> warn) {
        Optional<Integer> factor = p.given(CHECKPOINT_FACTOR);
        Optional<Integer> interval = p.given(SAVE_INTERVAL);
        if (factor.isPresent() && interval.isPresent() && !factor.get().equals(interval.get())) {
            throw new ConfigException("checkpoint_factor " + factor.get() + " and save_interval " + interval.get()
                    + " disagree (save_interval is the older name of checkpoint_factor): give only one");
        }
        if (interval.isPresent() && factor.isEmpty()) {
            warn.add("save_interval is the older GPT-NeoX name of checkpoint_factor; read as checkpoint_factor "
                    + interval.get());
        }
        return factor.or(() -> interval).orElse(0);
    }

    // ---- data ---------------------------------------------------------------------------------------------

    private static Path resolve(Path baseDir, String path) {
        return baseDir.resolve(path).toAbsolutePath().normalize();
    }

    private static void checkDataKeys(ParsedConfig p, DataCheck dataCheck) {
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
            resolvedPaths.add(resolve(baseDir, path));
        }
        return new WeightedPaths(resolvedPaths, weights.orElseGet(() -> Collections.nCopies(n, 1.0)));
    }

    /**
     * Checks what {@link DataCheck#SKIP} skipped: training data is named, and every dataset prefix has its
     * {@code .bin} and {@code .idx}. All missing files go in one message: a run with a wrong data root is missing
     * every one of them. Loading with {@link DataCheck#FILES} (the default) has already done this.
     *
     * @throws ConfigException naming the keys and files at fault
     */
    public void requireDataFiles() {
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

    // ---- resolved view ------------------------------------------------------------------------------------

    private Map<String, Object> buildResolved(ParsedConfig p) {
        Map<String, Object> r = new LinkedHashMap<>();
        put(r, NUM_LAYERS, model.numLayers());
        put(r, HIDDEN_SIZE, model.hiddenSize());
        put(r, NUM_ATTENTION_HEADS, model.numHeads());
        put(r, NUM_KV_HEADS, model.numKvHeads());
        put(r, ATTENTION_TYPE, model.numKvHeads() == model.numHeads() ? "multihead"
                : p.given(ATTENTION_TYPE).orElse("groupedquery"));
        put(r, INTERMEDIATE_SIZE, model.intermediateSize());
        put(r, VOCAB_SIZE, model.vocabSize());
        put(r, MAKE_VOCAB_SIZE_DIVISIBLE_BY, p.get(MAKE_VOCAB_SIZE_DIVISIBLE_BY));
        put(r, MAX_POSITION_EMBEDDINGS, model.maxPositions());
        put(r, RMS_NORM_EPSILON, model.normEps());
        put(r, ROTARY_PCT, model.rotaryPct());
        put(r, ROTARY_EMB_BASE, model.ropeBase());
        put(r, NO_WEIGHT_TYING, !model.tieEmbeddings());
        put(r, INIT_METHOD_STD, model.initStd());
        put(r, NORM, p.get(NORM));
        put(r, POS_EMB, p.get(POS_EMB));
        put(r, ACTIVATION, p.get(ACTIVATION));
        put(r, MLP_TYPE, p.get(MLP_TYPE));

        put(r, MODEL_PARALLEL_SIZE, modelParallelSize);
        put(r, PIPE_PARALLEL_SIZE, pipeParallelSize);
        put(r, ZERO_STAGE, zeroStage);
        put(r, OVERLAP_COMM, overlapComm);
        put(r, REDUCE_BUCKET_SIZE, reduceBucketSize);

        put(r, OPTIMIZER_TYPE, p.get(OPTIMIZER_TYPE));
        put(r, LR, schedule.peakLr());
        put(r, BETAS, List.of(adamW.beta1(), adamW.beta2()));
        put(r, EPS, adamW.eps());
        put(r, WEIGHT_DECAY, adamW.weightDecay());
        put(r, GRADIENT_CLIPPING, adamW.gradientClipping());
        put(r, LR_DECAY_STYLE, schedule.style().name().toLowerCase(java.util.Locale.ROOT));
        put(r, LR_DECAY_ITERS, schedule.decayIters());
        put(r, WARMUP_ITERS, schedule.warmupIters());
        put(r, MIN_LR, schedule.minLr());

        put(r, SEQ_LENGTH, seqLength);
        put(r, MICRO_BATCH_SIZE, microBatchSize);
        put(r, GRADIENT_ACCUMULATION_STEPS, gradientAccumulationSteps);
        put(r, TRAIN_ITERS, trainIters);
        put(r, PRECISION, precision.configName());
        put(r, SEED, seed);
        put(r, INTRA_OP_THREADS, intraOpThreads);
        put(r, DEVICE, device);
        peakTflops.ifPresent(tflops -> put(r, PEAK_TFLOPS, tflops));
        put(r, CHECKPOINT_ACTIVATIONS, checkpointActivations);
        put(r, CHECKPOINT_NUM_LAYERS, checkpointNumLayers);

        put(r, LOG_INTERVAL, logInterval);
        put(r, EVAL_INTERVAL, evalInterval);
        put(r, EVAL_ITERS, evalIters);
        put(r, CHECKPOINT_FACTOR, checkpointFactor);
        put(r, KEEP_LAST_N_CHECKPOINTS, keepLast);
        put(r, FINETUNE, finetune);
        save.ifPresent(path -> put(r, SAVE, path.toString()));
        load.ifPresent(path -> put(r, LOAD, path.toString()));
        vocabFile.ifPresent(path -> put(r, VOCAB_FILE, path.toString()));

        dataPath.ifPresent(path -> put(r, DATA_PATH, path.toString()));
        put(r, SPLIT, split);
        putData(r, TRAIN_DATA_PATHS, TRAIN_DATA_WEIGHTS, train);
        putData(r, VALID_DATA_PATHS, VALID_DATA_WEIGHTS, valid);
        putData(r, TEST_DATA_PATHS, TEST_DATA_WEIGHTS, test);
        return deepUnmodifiable(r);
    }

    private static <T> void put(Map<String, Object> tree, ConfigKey<T> key, T value) {
        ConfigTree.set(tree, key.name(), value);
    }

    private static void putData(Map<String, Object> tree, ConfigKey<List<String>> pathsKey,
                                ConfigKey<List<Double>> weightsKey, WeightedPaths set) {
        if (!set.isEmpty()) {
            put(tree, pathsKey, set.paths().stream().map(Path::toString).toList());
            put(tree, weightsKey, set.weights());
        }
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

    // ---- accessors ----------------------------------------------------------------------------------------

    /** The model architecture. */
    public LlamaConfig model() {
        return model;
    }

    /** AdamW settings other than the learning rate. */
    public AdamWSettings adamW() {
        return adamW;
    }

    /** The learning-rate schedule. */
    public LrSchedule schedule() {
        return schedule;
    }

    /** {@code seq_length}. */
    public int seqLength() {
        return seqLength;
    }

    /** {@code train_micro_batch_size_per_gpu}: sequences per rank per forward/backward. */
    public int microBatchSize() {
        return microBatchSize;
    }

    /** {@code gradient_accumulation_steps}. */
    public int gradientAccumulationSteps() {
        return gradientAccumulationSteps;
    }

    /** {@code train_iters}. */
    public long trainIters() {
        return trainIters;
    }

    /** From {@code precision} or {@code bf16.enabled}; FP32 when neither is given. */
    public Precision precision() {
        return precision;
    }

    /** {@code seed}. */
    public long seed() {
        return seed;
    }

    /** {@code intra_op_threads}: libtorch CPU threads; default the available processors. */
    /**
     * This machine's cores shared among the ranks it runs (LOCAL_WORLD_SIZE, set by the launcher), so that two
     * ranks on a 2-core machine get one thread each instead of four threads fighting over two cores.
     */
    static int defaultIntraOpThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        String localRanks = System.getenv("LOCAL_WORLD_SIZE");
        try {
            return localRanks == null ? cores : Math.max(1, cores / Integer.parseInt(localRanks.trim()));
        } catch (NumberFormatException e) {
            return cores;      // a malformed LOCAL_WORLD_SIZE is reported by the distributed setup, by name
        }
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** {@code device}: {@code auto}, {@code cpu} or {@code cuda}. */
    public String device() {
        return device;
    }

    /** {@code peak_tflops}, when set: the dense bf16 peak for MFU instead of the datasheet's or the measured one. */
    public Optional<Double> peakTflops() {
        return peakTflops;
    }

    /** {@code log_interval}. */
    public int logInterval() {
        return logInterval;
    }

    /** {@code eval_interval}. */
    public int evalInterval() {
        return evalInterval;
    }

    /** {@code eval_iters}. */
    public int evalIters() {
        return evalIters;
    }

    /** {@code checkpoint_factor} (or {@code save_interval}): iterations between checkpoints; 0 = only at the end. */
    public int checkpointFactor() {
        return checkpointFactor;
    }

    /** {@code keep_last_n_checkpoints}; 0 keeps all. */
    public int keepLast() {
        return keepLast;
    }

    /** {@code finetune}: take only the weights from {@link #load()}. */
    public boolean finetune() {
        return finetune;
    }

    /** {@code save}: the checkpoint directory, absolute. */
    public Optional<Path> save() {
        return save;
    }

    /** {@code load}: the checkpoint to start from, absolute. */
    public Optional<Path> load() {
        return load;
    }

    /** {@code vocab_file}: the tokenizer, absolute; recorded for tools, not needed to train on tokens. */
    public Optional<Path> vocabFile() {
        return vocabFile;
    }

    /** {@code model_parallel_size}: the tensor-parallel degree. */
    public int modelParallelSize() {
        return modelParallelSize;
    }

    /** {@code pipe_parallel_size}: 0 or 1. */
    public int pipeParallelSize() {
        return pipeParallelSize;
    }

    /** {@code zero_optimization.stage}: 0 or 1. */
    public int zeroStage() {
        return zeroStage;
    }

    /** The {@code zero_optimization} section. */
    public ZeroSettings zero() {
        return new ZeroSettings(zeroStage, overlapComm, reduceBucketSize);
    }

    /** {@code zero_optimization.overlap_comm}. */
    public boolean overlapComm() {
        return overlapComm;
    }

    /** {@code zero_optimization.reduce_bucket_size}: most gradient elements per overlapped reduction. */
    public long reduceBucketSize() {
        return reduceBucketSize;
    }

    /** {@code checkpoint_activations}. */
    public boolean checkpointActivations() {
        return checkpointActivations;
    }

    /** {@code checkpoint_num_layers}. */
    public int checkpointNumLayers() {
        return checkpointNumLayers;
    }

    /** {@code data_path}: one dataset prefix to split by {@link #split()}; empty when train_data_paths is used. */
    public Optional<Path> dataPath() {
        return dataPath;
    }

    /** {@code split}: train,valid,test proportions of {@link #dataPath()}, such as {@code 969,30,1}. */
    public String split() {
        return split;
    }

    /** {@code train_data_paths}, absolute; empty when data_path is used. */
    public List<Path> trainDataPaths() {
        return train.paths();
    }

    /** {@code train_data_weights}; equal weights when not given. */
    public List<Double> trainDataWeights() {
        return train.weights();
    }

    /** {@code valid_data_paths}, absolute; possibly empty. */
    public List<Path> validDataPaths() {
        return valid.paths();
    }

    /** {@code valid_data_weights}; equal weights when not given. */
    public List<Double> validDataWeights() {
        return valid.weights();
    }

    /** {@code test_data_paths}, absolute; possibly empty. */
    public List<Path> testDataPaths() {
        return test.paths();
    }

    /** {@code test_data_weights}; equal weights when not given. */
    public List<Double> testDataWeights() {
        return test.weights();
    }

    /** Train paths and weights together. */
    public WeightedPaths trainData() {
        return train;
    }

    /** Validation paths and weights together. */
    public WeightedPaths validData() {
        return valid;
    }

    /** Test paths and weights together. */
    public WeightedPaths testData() {
        return test;
    }

    /** GPT-NeoX keys present in the config and deliberately not used (normalized, in file order). */
    public List<String> ignoredKeys() {
        return ignoredKeys;
    }

    /** Warnings raised while building (also logged); the ignored keys are one warning, first. */
    public List<String> warnings() {
        return warnings;
    }

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
