package org.llemma4j.trainer.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * GPT-NeoX (and DeepSpeed) keys that this trainer accepts and deliberately does not use, so that a GPT-NeoX
 * config loads unchanged. They are reported once, in a single warning.
 *
 * <p>Three kinds:
 * <ul>
 *   <li>keys whose job is done differently here or not needed (launcher, logging services, fused-kernel
 *       switches, DeepSpeed bucket sizes): ignored whatever their value;</li>
 *   <li>keys that change the model or the math but whose value in the config is what we do anyway (no biases,
 *       no dropout, flash attention, fp32 gradient accumulation): ignored only at that value, and an error at any
 *       other, because silently training a different model than the config describes would be worse than
 *       failing;</li>
 *   <li>name prefixes ({@code wandb_}, {@code comet_}) and whole sections (a DeepSpeed {@code tensorboard} block),
 *       ignored with everything under them.</li>
 * </ul>
 */
public final class IgnoredKeys {

    /** An ignored key and the values at which ignoring it is harmless. */
    private record Rule(Predicate<Object> harmless, String requirement) {
    }

    private static final Predicate<Object> ANY = value -> true;

    private static final Map<String, Rule> EXACT = new LinkedHashMap<>();
    private static final List<String> PREFIXES = List.of("wandb_", "comet_");

    private static void always(String... names) {
        for (String name : names) {
            EXACT.put(name, new Rule(ANY, ""));
        }
    }

    private static void onlyIf(String name, Predicate<Object> harmless, String requirement) {
        EXACT.put(name, new Rule(harmless, requirement));
    }

    private static boolean isFalse(Object value) {
        return Boolean.FALSE.equals(value) || "false".equalsIgnoreCase(String.valueOf(value));
    }

    private static boolean isZero(Object value) {
        try {
            return Double.parseDouble(String.valueOf(value)) == 0.0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** attention_config like [[["flash"], 32]]: every layer uses plain causal attention (SDPA). */
    private static boolean onlyDenseAttention(Object value) {
        if (!(value instanceof List<?> groups)) {
            return false;
        }
        for (Object group : groups) {
            if (!(group instanceof List<?> pair) || pair.isEmpty() || !(pair.get(0) instanceof List<?> types)) {
                return false;
            }
            for (Object type : types) {
                String t = String.valueOf(type).toLowerCase(java.util.Locale.ROOT);
                if (!t.equals("flash") && !t.equals("global")) {
                    return false;
                }
            }
        }
        return true;
    }

    static {
        // Launching is done by `launch train` (torchrun environment or SLURM), not by the DeepSpeed runner.
        always("launcher", "hostfile", "include", "exclude", "master_port", "master_addr", "num_nodes", "num_gpus",
                "force_multi", "detect_nvlink_pairs", "no_ssh_check", "comment", "deepspeed_mpi", "deepspeed_slurm",
                "distributed_backend", "user_script", "deepspeed");
        // Experiment trackers: metrics go to a JSONL file and TensorBoard event files in the run directory.
        always("use_wandb", "wandb", "comet", "use_comet", "tensorboard", "tensorboard_dir", "log_dir", "git_hash",
                "csv_monitor", "comms_logger", "flops_profiler", "steps_per_print", "wall_clock_breakdown",
                "dump_state", "log_grad_pct_zeros", "log_param_norm", "log_grad_norm", "log_optimizer_states",
                "log_gradient_noise_scale", "memory_profiling");
        // Fused CUDA kernel switches: the math is the same; libtorch picks its kernels.
        always("scaled_upper_triang_masked_softmax_fusion", "scaled_masked_softmax_fusion", "bias_gelu_fusion",
                "bias_dropout_fusion", "rope_fusion", "layernorm_fusion", "rmsnorm_fusion", "use_flashattn_swiglu");
        // Numerics we always use: softmax in fp32; initialization is on the CPU from the seed, per full weight.
        always("attention_softmax_in_fp32", "use_cpu_initialization");
        // DeepSpeed memory and communication tuning beyond overlap_comm and reduce_bucket_size: our ZeRO-1 keeps
        // one contiguous gradient buffer and sizes the pieces of its reduce-scatter and all-gather per backend
        // (ParallelContext), so these have nothing to tune.
        always("zero_optimization.allgather_partitions", "zero_optimization.allgather_bucket_size",
                "zero_optimization.reduce_scatter", "zero_optimization.contiguous_gradients",
                "zero_optimization.cpu_offload", "zero_optimization.cpu_offload_params",
                "zero_optimization.cpu_offload_use_pin_memory", "zero_optimization.round_robin_gradients",
                "zero_optimization.elastic_checkpoint", "zero_optimization.load_from_fp32_weights",
                "zero_optimization.sub_group_size", "fp32_allreduce");
        // Activation-checkpointing plumbing: checkpoint_activations and checkpoint_num_layers say what is
        // recomputed; partitioning and synchronizing the saved inputs are DeepSpeed implementation details.
        always("partition_activations", "synchronize_each_layer", "contiguous_checkpointing", "checkpoint_in_cpu",
                "profile_backward", "activation_checkpointing");
        // Checkpoint plumbing of DeepSpeed's format; our checkpoints are sharded safetensors.
        always("checkpoint", "checkpoint_validation_with_forward_pass");
        // Tensor-parallel layout of the output layer: always column-parallel over the vocabulary here.
        always("output_layer_parallelism");
        // Data and tokenizer plumbing: shards are always memory-mapped .bin/.idx; tokenization happens in
        // `launch preprocess`, and vocab_size is given explicitly.
        always("data_impl", "mmap_warmup", "num_workers", "tokenizer_type", "merge_file");
        // fp16 loss-scaling settings: fp16 itself is rejected (fp16.enabled), so these never apply.
        always("fp16.loss_scale", "fp16.loss_scale_window", "fp16.hysteresis", "fp16.min_loss_scale",
                "fp16.initial_scale_power");
        // Accepted only at the value that describes what this trainer does anyway.
        onlyIf("use_bias_in_norms", IgnoredKeys::isFalse, "false (norms have no bias)");
        onlyIf("use_bias_in_attn_linear", IgnoredKeys::isFalse, "false (attention projections have no bias)");
        onlyIf("use_bias_in_mlp", IgnoredKeys::isFalse, "false (MLP projections have no bias)");
        onlyIf("gpt_j_residual", IgnoredKeys::isFalse, "false (sequential attention then MLP residuals)");
        onlyIf("apply_query_key_layer_scaling", IgnoredKeys::isFalse,
                "false (scores are scaled by 1/sqrt(head dim) only)");
        onlyIf("fp16_lm_cross_entropy", IgnoredKeys::isFalse, "false (the loss is computed in fp32)");
        onlyIf("hidden_dropout", IgnoredKeys::isZero, "0 (dropout is not implemented)");
        onlyIf("attention_dropout", IgnoredKeys::isZero, "0 (dropout is not implemented)");
        onlyIf("attention_config", IgnoredKeys::onlyDenseAttention,
                "flash or global attention on every layer, e.g. [[[\"flash\"], 32]]");
        onlyIf("data_types.grad_accum_dtype", v -> "fp32".equalsIgnoreCase(String.valueOf(v)),
                "fp32 (gradients are always accumulated in fp32)");
    }

    private IgnoredKeys() {
    }

    /** The ignored key, section or prefix that {@code path} falls under, if any. */
    static Optional<String> match(String path) {
        if (EXACT.containsKey(path)) {
            return Optional.of(path);
        }
        if (!path.contains(".")) {
            for (String prefix : PREFIXES) {
                if (path.startsWith(prefix)) {
                    return Optional.of(path);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Checks that ignoring {@code path} with this value is harmless.
     *
     * @throws ConfigException naming the key, its value and the value it must have
     */
    static void checkHarmless(String path, Object value) {
        Rule rule = EXACT.get(path);
        if (rule != null && !rule.harmless().test(value)) {
            throw new ConfigException(path + " " + ConfigType.show(value) + " is not supported: it must be "
                    + rule.requirement());
        }
    }

    /** Every exact ignored key name (prefix families excluded), for suggestions and section detection. */
    static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(EXACT.keySet()));
    }

    /**
     * Every exact ignored key with the value it must have to be ignored ({@code ""} when any value is), in
     * declaration order: the source of the ignored-keys table in docs/configuration.md.
     */
    public static Map<String, String> requirements() {
        Map<String, String> out = new LinkedHashMap<>();
        EXACT.forEach((name, rule) -> out.put(name, rule.requirement()));
        return Collections.unmodifiableMap(out);
    }

    /** The prefixes whose keys are all ignored ({@code wandb_}). */
    public static List<String> prefixes() {
        return PREFIXES;
    }
}
