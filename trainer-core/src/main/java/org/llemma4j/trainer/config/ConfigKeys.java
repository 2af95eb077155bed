package org.llemma4j.trainer.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key the trainer implements, declared once: GPT-NeoX name, type, default, validation, one-line doc.
 *
 * <p>Defaults are GPT-NeoX's unless the doc says otherwise; where this project deliberately differs (it only
 * builds Llama models, so norm, position embedding and activation default to Llama's) the doc says so.
 * A {@code null} default means the key is required, optional, or derived from other keys, as its doc says;
 * the section records ({@link ModelSection}, {@link TrainingSection}, ...) apply those rules. A key declared with
 * {@code defineAlternative} is another spelling of a setting that the resolved view shows under its canonical key.
 */
public final class ConfigKeys {

    private static final Map<String, ConfigKey<?>> DECLARED = new LinkedHashMap<>();

    private ConfigKeys() {
    }

    private static <T> ConfigKey<T> define(String name, ConfigType<T> type, T defaultValue,
                                           Validator<? super T> validator, String doc) {
        return declare(new ConfigKey<>(name, type, defaultValue, validator, doc, null));
    }

    /** A key whose value is reduced into {@code canonical} (which may be declared after it). */
    private static <T> ConfigKey<T> defineAlternative(String name, ConfigType<T> type, T defaultValue,
                                                      Validator<? super T> validator, String doc, String canonical) {
        return declare(new ConfigKey<>(name, type, defaultValue, validator, doc, canonical));
    }

    private static <T> ConfigKey<T> declare(ConfigKey<T> key) {
        if (DECLARED.putIfAbsent(key.name(), key) != null) {
            throw new IllegalStateException("config key " + key.name() + " declared twice");
        }
        return key;
    }

    // ---- model architecture -------------------------------------------------------------------------------

    public static final ConfigKey<Integer> NUM_LAYERS = define("num_layers", ConfigType.INT, null,
            Validator.atLeast(1), "Required. Number of decoder layers.");
    public static final ConfigKey<Integer> HIDDEN_SIZE = define("hidden_size", ConfigType.INT, null,
            Validator.atLeast(1), "Required. Model width.");
    public static final ConfigKey<Integer> NUM_ATTENTION_HEADS = define("num_attention_heads", ConfigType.INT,
            null, Validator.atLeast(1), "Required. Number of query heads.");
    public static final ConfigKey<Integer> NUM_KV_HEADS = define("num_kv_heads", ConfigType.INT, null,
            Validator.atLeast(1), "Key/value heads (grouped-query attention); default num_attention_heads.");
    public static final ConfigKey<String> ATTENTION_TYPE = define("attention_type", ConfigType.NAME, null,
            Validator.oneOf("multihead", "groupedquery", "multiquery"),
            "Llemma-branch name for the head layout; only checked against num_kv_heads.");
    public static final ConfigKey<Integer> INTERMEDIATE_SIZE = define("intermediate_size", ConfigType.INT, null,
            Validator.atLeast(1),
            "SwiGLU inner width; default Llama's rule: 8 x hidden_size / 3 rounded up to a multiple of 256.");
    public static final ConfigKey<Integer> VOCAB_SIZE = define("vocab_size", ConfigType.INT, null,
            Validator.atLeast(1), "Required. Rows of the embedding and output layer (already padded).");
    public static final ConfigKey<Integer> MAKE_VOCAB_SIZE_DIVISIBLE_BY = define("make_vocab_size_divisible_by",
            ConfigType.INT, 1, Validator.atLeast(1),
            "vocab_size must be a multiple of this; checked, not padded, because vocab_size is given explicitly"
                    + " (GPT-NeoX pads its tokenizer's size, default 128).");
    public static final ConfigKey<Integer> MAX_POSITION_EMBEDDINGS = define("max_position_embeddings",
            ConfigType.INT, null, Validator.atLeast(1), "Longest sequence the RoPE tables cover; default seq_length.");
    public static final ConfigKey<Double> RMS_NORM_EPSILON = define("rms_norm_epsilon", ConfigType.DOUBLE, 1e-5,
            Validator.above(0.0), "RMSNorm epsilon; default 1e-5 as Llama (GPT-NeoX defaults to 1e-8).");
    public static final ConfigKey<Double> ROTARY_PCT = define("rotary_pct", ConfigType.DOUBLE, 1.0,
            Validator.any(), "Fraction of each head's dimensions that RoPE rotates.");
    public static final ConfigKey<Double> ROTARY_EMB_BASE = define("rotary_emb_base", ConfigType.DOUBLE, 10000.0,
            Validator.above(1.0), "RoPE base theta (Code Llama 1e6; Llemma 7B contracted it to 1e4).");
    public static final ConfigKey<Double> ROTARY_EMB_SCALING_FACTOR = define("rotary_emb_scaling_factor",
            ConfigType.DOUBLE, 1.0, Validator.above(0.0),
            "Linear RoPE scaling (position interpolation; Hugging Face rope_type linear, its factor): positions are "
                    + "divided by it; 1 is none. Not in GPT-NeoX; the name is that of its derivative savanna.");
    public static final ConfigKey<Boolean> NO_WEIGHT_TYING = define("no_weight_tying", ConfigType.BOOLEAN, true,
            Validator.any(), "Untied output layer; default true here, as in Llama (GPT-NeoX defaults to false).");
    public static final ConfigKey<Double> INIT_METHOD_STD = define("init_method_std", ConfigType.DOUBLE, 0.02,
            Validator.above(0.0), "Std of the normal initialization of every matrix.");
    public static final ConfigKey<String> NORM = define("norm", ConfigType.NAME, "rmsnorm",
            Validator.oneOf("rmsnorm"), "Normalization; only rmsnorm (GPT-NeoX defaults to layernorm).");
    public static final ConfigKey<String> POS_EMB = define("pos_emb", ConfigType.NAME, "rotary",
            Validator.oneOf("rotary"), "Position embedding; only rotary (GPT-NeoX defaults to learned).");
    public static final ConfigKey<String> ACTIVATION = define("activation", ConfigType.NAME, "swiglu",
            Validator.oneOf("swiglu", "silu"),
            "MLP activation; swiglu and silu both mean Llama's SiLU-gated MLP (GPT-NeoX defaults to gelu).");
    public static final ConfigKey<String> MLP_TYPE = define("mlp_type", ConfigType.NAME, "llama",
            Validator.oneOf("llama"), "MLP layout; only llama (gate, up, down projections).");

    // ---- parallelism --------------------------------------------------------------------------------------

    public static final ConfigKey<Integer> MODEL_PARALLEL_SIZE = define("model_parallel_size", ConfigType.INT, 1,
            Validator.atLeast(1), "Tensor-parallel degree.");
    public static final ConfigKey<Integer> PIPE_PARALLEL_SIZE = define("pipe_parallel_size", ConfigType.INT, 0,
            (key, value) -> {
                if (value != 0 && value != 1) {
                    throw new ConfigException(key + " " + value
                            + ": pipeline parallelism is not supported (use 0 or 1)");
                }
            }, "Pipeline stages; 0 or 1 (no pipeline parallelism).");
    public static final ConfigKey<Integer> ZERO_STAGE = define("zero_optimization.stage", ConfigType.INT, 0,
            (key, value) -> {
                if (value != 0 && value != 1) {
                    throw new ConfigException(key + " " + value + " is not supported: only ZeRO stage 0"
                            + " (replicated optimizer) and 1 (optimizer state sharded over data parallel ranks)");
                }
            }, "ZeRO stage: 0 or 1.");
    public static final ConfigKey<Boolean> OVERLAP_COMM = define("zero_optimization.overlap_comm",
            ConfigType.BOOLEAN, false, Validator.any(),
            "Reduce gradient buckets over data-parallel ranks during the backward pass of each step's last "
                    + "micro-batch instead of after it (stage 0 and 1; no effect with one data-parallel rank).");
    public static final ConfigKey<Long> REDUCE_BUCKET_SIZE = define("zero_optimization.reduce_bucket_size",
            ConfigType.LONG, 500_000_000L, Validator.atLeast(1L),
            "Most gradient elements per overlapped reduction (DeepSpeed's default 5e8: one bucket per shard for "
                    + "models below 500M parameters, so set it lower to overlap them).");

    // ---- device -------------------------------------------------------------------------------------------

    public static final ConfigKey<String> DEVICE = define("device", ConfigType.NAME, "auto",
            Validator.oneOf("auto", "cpu", "cuda"),
            "Not GPT-NeoX: where each rank computes: auto (CUDA when libtorch sees a CUDA device, else the CPU), cpu,"
                    + " or cuda (each rank on cuda:LOCAL_RANK; needs the -Pcuda build).");
    public static final ConfigKey<Double> PEAK_TFLOPS = define("peak_tflops", ConfigType.DOUBLE, null,
            Validator.above(0.0),
            "Not GPT-NeoX: the device's dense bf16 peak in TFLOP/s, the denominator of MFU; default the GPU's"
                    + " datasheet figure (A100 312, H100 SXM 989, H100 PCIe 756, H200 989; other GPUs must set it),"
                    + " on the CPU the measured bf16 matmul rate.");

    // ---- optimizer ----------------------------------------------------------------------------------------

    public static final ConfigKey<String> OPTIMIZER_TYPE = define("optimizer.type", ConfigType.NAME, "adam",
            Validator.oneOf("adam", "adamw"),
            "adam and adamw both mean AdamW: GPT-NeoX's Adam with weight_decay decouples the decay.");
    public static final ConfigKey<Double> LR = define("optimizer.params.lr", ConfigType.DOUBLE, null,
            Validator.atLeast(0.0), "Required. Peak learning rate.");
    public static final ConfigKey<List<Double>> BETAS = define("optimizer.params.betas", ConfigType.DOUBLE_LIST,
            List.of(0.9, 0.999), (key, value) -> {
                if (value.size() != 2) {
                    throw new ConfigException(key + " must be two numbers [beta1, beta2], got " + value);
                }
            }, "Adam betas; default torch's [0.9, 0.999], which GPT-NeoX passes through.");
    public static final ConfigKey<Double> EPS = define("optimizer.params.eps", ConfigType.DOUBLE, 1e-8,
            Validator.above(0.0), "Adam epsilon.");
    public static final ConfigKey<Double> WEIGHT_DECAY = define("weight_decay", ConfigType.DOUBLE, 0.01,
            Validator.atLeast(0.0), "Decoupled weight decay (not on norm weights).");
    public static final ConfigKey<Double> GRADIENT_CLIPPING = define("gradient_clipping", ConfigType.DOUBLE, 1.0,
            Validator.atLeast(0.0), "Max global gradient L2 norm; 0 disables clipping.");

    // ---- learning-rate schedule ---------------------------------------------------------------------------

    public static final ConfigKey<String> LR_DECAY_STYLE = define("lr_decay_style", ConfigType.NAME, "linear",
            Validator.oneOf("constant", "linear", "cosine"), "Decay after warmup: constant, linear or cosine.");
    public static final ConfigKey<Long> LR_DECAY_ITERS = define("lr_decay_iters", ConfigType.LONG, null,
            Validator.atLeast(1L), "Iteration at which the decay reaches min_lr; default train_iters.");
    public static final ConfigKey<Double> WARMUP = defineAlternative("warmup", ConfigType.DOUBLE, 0.01,
            Validator.between(0.0, 1.0), "Warmup as a fraction of lr_decay_iters, when warmup_iters is not given.",
            "warmup_iters");
    public static final ConfigKey<Long> WARMUP_ITERS = define("warmup_iters", ConfigType.LONG, null,
            Validator.atLeast(0L), "Warmup iterations; exclusive with warmup.");
    public static final ConfigKey<Double> MIN_LR = define("min_lr", ConfigType.DOUBLE, 0.0,
            Validator.atLeast(0.0), "Learning rate at and after lr_decay_iters.");
    public static final ConfigKey<Double> DECAY_LR_TO = defineAlternative("decay_lr_to", ConfigType.DOUBLE, null,
            Validator.between(0.0, 1.0), "min_lr as a fraction of lr (Llemma 7B: 0.033).", "min_lr");

    // ---- batch, length, iterations, numerics --------------------------------------------------------------

    public static final ConfigKey<Integer> SEQ_LENGTH = define("seq_length", ConfigType.INT, null,
            Validator.atLeast(1), "Required. Tokens per training sequence.");
    public static final ConfigKey<Integer> MICRO_BATCH_SIZE = define("train_micro_batch_size_per_gpu",
            ConfigType.INT, null, Validator.atLeast(1), "Required. Sequences per rank per forward/backward.");
    public static final ConfigKey<Integer> GRADIENT_ACCUMULATION_STEPS = define("gradient_accumulation_steps",
            ConfigType.INT, 1, Validator.atLeast(1), "Micro-batches accumulated per optimizer step.");
    public static final ConfigKey<Long> TRAIN_ITERS = define("train_iters", ConfigType.LONG, null,
            Validator.atLeast(1L), "Required. Optimizer steps to train for.");
    public static final ConfigKey<String> PRECISION = define("precision", ConfigType.NAME, null,
            (key, value) -> {
                if (value.equals("fp16") || value.equals("float16") || value.equals("half")) {
                    throw new ConfigException(key + " \"" + value + "\" is not supported: fp16 needs loss scaling,"
                            + " which is not implemented; use bf16 or fp32");
                }
                Validator.oneOf("bf16", "bfloat16", "fp32", "float32").check(key, value);
            }, "bf16 (also bfloat16) or fp32; default fp32 unless bf16.enabled.");
    public static final ConfigKey<Boolean> BF16_ENABLED = defineAlternative("bf16.enabled", ConfigType.BOOLEAN,
            false, Validator.any(), "DeepSpeed's spelling of precision: bf16.", "precision");
    public static final ConfigKey<Boolean> FP16_ENABLED = defineAlternative("fp16.enabled", ConfigType.BOOLEAN,
            false, (key, value) -> {
                if (value) {
                    throw new ConfigException(key + " true is not supported: fp16 needs loss scaling,"
                            + " which is not implemented; use bf16 or fp32");
                }
            }, "Must be false: fp16 is not supported.", "precision");
    public static final ConfigKey<Long> SEED = define("seed", ConfigType.LONG, 1234L, Validator.any(),
            "Seed of initialization and data order.");
    public static final ConfigKey<Integer> INTRA_OP_THREADS = define("intra_op_threads", ConfigType.INT, null,
            Validator.atLeast(1), "Not GPT-NeoX: libtorch CPU threads per rank; default the available processors"
                    + " / local ranks, filled in by the launcher.");
    public static final ConfigKey<Boolean> CHECKPOINT_ACTIVATIONS = define("checkpoint_activations",
            ConfigType.BOOLEAN, false, Validator.any(), "Recompute each layer's forward during backward.");
    public static final ConfigKey<Integer> CHECKPOINT_NUM_LAYERS = define("checkpoint_num_layers", ConfigType.INT,
            1, Validator.atLeast(1), "Layers per activation checkpoint.");

    // ---- logging, evaluation, checkpoints -----------------------------------------------------------------

    public static final ConfigKey<Integer> LOG_INTERVAL = define("log_interval", ConfigType.INT, 100,
            Validator.atLeast(1), "Iterations between log lines.");
    public static final ConfigKey<Integer> EVAL_INTERVAL = define("eval_interval", ConfigType.INT, 1000,
            Validator.atLeast(1), "Iterations between validation runs.");
    public static final ConfigKey<Integer> EVAL_ITERS = define("eval_iters", ConfigType.INT, 100,
            Validator.atLeast(0), "Batches per validation run; 0 skips validation.");
    public static final ConfigKey<Integer> CHECKPOINT_FACTOR = define("checkpoint_factor", ConfigType.INT, 0,
            Validator.atLeast(0), "Iterations between checkpoints; 0: only at the end of training (GPT-NeoX: None).");
    public static final ConfigKey<Integer> SAVE_INTERVAL = defineAlternative("save_interval", ConfigType.INT, null,
            Validator.atLeast(0), "Older GPT-NeoX name of checkpoint_factor.", "checkpoint_factor");
    public static final ConfigKey<Integer> KEEP_LAST_N_CHECKPOINTS = define("keep_last_n_checkpoints",
            ConfigType.INT, 0, Validator.atLeast(0), "Checkpoints kept on disk; 0 keeps all.");
    public static final ConfigKey<Boolean> FINETUNE = define("finetune", ConfigType.BOOLEAN, false, Validator.any(),
            "Load only weights from load: start at iteration 0 with fresh optimizer and data position.");
    public static final ConfigKey<String> SAVE = define("save", ConfigType.STRING, null, Validator.any(),
            "Directory checkpoints are written to; optional.");
    public static final ConfigKey<String> LOAD = define("load", ConfigType.STRING, null, Validator.any(),
            "Checkpoint directory to start from; optional.");
    public static final ConfigKey<String> VOCAB_FILE = define("vocab_file", ConfigType.STRING, null,
            Validator.any(), "Tokenizer file (tokenizer.model); recorded, not required for training on tokens.");

    // ---- data ---------------------------------------------------------------------------------------------

    public static final ConfigKey<String> DATA_PATH = define("data_path", ConfigType.STRING, null, Validator.any(),
            "One dataset prefix split into train/valid/test by split; exclusive with train_data_paths.");
    public static final ConfigKey<String> SPLIT = define("split", ConfigType.STRING, "969,30,1",
            ConfigKeys::checkSplit, "Train,valid,test proportions of data_path.");
    public static final ConfigKey<List<String>> TRAIN_DATA_PATHS = define("train_data_paths",
            ConfigType.STRING_LIST, null, nonEmpty(), "Training dataset prefixes (prefix.bin + prefix.idx).");
    public static final ConfigKey<List<Double>> TRAIN_DATA_WEIGHTS = define("train_data_weights",
            ConfigType.DOUBLE_LIST, null, weights(), "Blend weights of train_data_paths; default equal.");
    public static final ConfigKey<List<String>> VALID_DATA_PATHS = define("valid_data_paths",
            ConfigType.STRING_LIST, null, nonEmpty(), "Validation dataset prefixes.");
    public static final ConfigKey<List<Double>> VALID_DATA_WEIGHTS = define("valid_data_weights",
            ConfigType.DOUBLE_LIST, null, weights(), "Blend weights of valid_data_paths; default equal.");
    public static final ConfigKey<List<String>> TEST_DATA_PATHS = define("test_data_paths",
            ConfigType.STRING_LIST, null, nonEmpty(), "Test dataset prefixes.");
    public static final ConfigKey<List<Double>> TEST_DATA_WEIGHTS = define("test_data_weights",
            ConfigType.DOUBLE_LIST, null, weights(), "Blend weights of test_data_paths; default equal.");

    static {
        // After every declaration (static initializers run in textual order): an alternative may name a key
        // declared after it, as warmup names warmup_iters.
        for (ConfigKey<?> key : DECLARED.values()) {
            ConfigKey<?> canonical = key.isAlternative() ? DECLARED.get(key.reducedInto()) : key;
            if (canonical == null || canonical.isAlternative()) {
                throw new IllegalStateException("config key " + key + " is reduced into " + key.reducedInto()
                        + ", which is not a declared key of its own");
            }
        }
    }

    /** Every declared key, by normalized dotted name, in declaration order. */
    public static Map<String, ConfigKey<?>> all() {
        return Collections.unmodifiableMap(DECLARED);
    }

    private static Validator<List<String>> nonEmpty() {
        return (key, value) -> {
            if (value.isEmpty()) {
                throw new ConfigException(key + " must list at least one dataset prefix, got []");
            }
        };
    }

    private static Validator<List<Double>> weights() {
        return (key, value) -> {
            Validator.<Double>each((k, w) -> {
                if (w < 0) {
                    throw new ConfigException(k + " must be >= 0, got " + w);
                }
            }).check(key, value);
            if (value.stream().allMatch(w -> w == 0.0)) {
                throw new ConfigException(key + " must not be all zero, got " + value);
            }
        };
    }

    private static void checkSplit(String key, String value) {
        List<Double> parts = new ArrayList<>();
        for (String part : value.split(",")) {
            try {
                parts.add(Double.parseDouble(part.trim()));
            } catch (NumberFormatException e) {
                throw new ConfigException(key + " must be up to three comma-separated numbers such as"
                        + " \"969,30,1\", got \"" + value + "\"");
            }
        }
        if (parts.size() > 3 || parts.stream().anyMatch(p -> p < 0 || !Double.isFinite(p))
                || parts.stream().allMatch(p -> p == 0)) {
            throw new ConfigException(key + " must be up to three comma-separated non-negative numbers, not all"
                    + " zero, such as \"969,30,1\", got \"" + value + "\"");
        }
    }
}
