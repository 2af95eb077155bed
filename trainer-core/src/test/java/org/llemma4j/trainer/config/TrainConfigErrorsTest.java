package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.DeviceRequest;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.minimal;
import static org.llemma4j.trainer.config.ConfigFixtures.with;

/** Every bad input: the message must name the key (GPT-NeoX spelling) and the offending value. */
class TrainConfigErrorsTest {

    @TempDir
    Path dir;

    private String error(String... overrides) {
        return error(with(dir, overrides));
    }

    private static String error(Map<String, Object> tree) {
        return assertThrows(ConfigException.class, () -> TrainConfig.fromMap(tree)).getMessage();
    }

    // ---- keys ---------------------------------------------------------------------------------------------

    @Test
    void unknownKeySuggestsTheNearestKnownKey() {
        assertEquals("unknown config key \"num_layer\" (did you mean \"num_layers\"?)", error("num_layer=3"));
    }

    @Test
    void unknownKeyIsReportedInNormalizedSpelling() {
        assertEquals("unknown config key \"rotary_emb_bse\" (did you mean \"rotary_emb_base\"?)",
                error("rotary-emb-bse=10000"));
    }

    @Test
    void unknownNestedKeySuggestsTheNestedKey() {
        assertEquals("unknown config key \"optimizer.params.lrr\" (did you mean \"optimizer.params.lr\"?)",
                error("optimizer.params.lrr=1"));
    }

    @Test
    void unknownKeyFarFromEverythingHasNoSuggestion() {
        assertEquals("unknown config key \"frobnicate_everything\"", error("frobnicate_everything=1"));
    }

    @Test
    void allUnknownKeysAreListedTogether() {
        String message = error("seq_lenght=3", "zero_optimization.stgae=1");
        assertTrue(message.startsWith("unknown config keys "), message);
        assertTrue(message.contains("\"seq_lenght\" (did you mean \"seq_length\"?)"), message);
        assertTrue(message.contains("\"zero_optimization.stgae\" (did you mean \"zero_optimization.stage\"?)"),
                message);
    }

    @Test
    void deviceKeys() {
        assertEquals(DeviceRequest.AUTO, TrainConfig.fromMap(minimal(dir)).device().device());
        assertEquals(java.util.Optional.empty(), TrainConfig.fromMap(minimal(dir)).device().peakTflops());
        assertEquals(DeviceRequest.CPU, TrainConfig.fromMap(with(dir, "device=CPU")).device().device());
        assertEquals(312.0, TrainConfig.fromMap(with(dir, "peak_tflops=312")).device().peakTflops().orElseThrow());
        assertEquals("device must be one of [auto, cpu, cuda], got \"tpu\"", error("device=tpu"));
        assertEquals("peak_tflops must be > 0.0, got 0.0", error("peak_tflops=0"));
    }

    @Test
    void sectionGivenAsScalar() {
        Map<String, Object> tree = minimal(dir);
        tree.put("optimizer", "adam");
        String message = error(tree);
        assertTrue(message.startsWith("optimizer must be a section of keys such as [optimizer.type, "), message);
        assertTrue(message.endsWith(", got \"adam\""), message);
    }

    @Test
    void sameKeyInBothSpellings() {
        Map<String, Object> tree = minimal(dir);
        tree.put("vocab-file", "a");
        tree.put("vocab_file", "b");
        assertEquals("vocab_file is given twice, as \"vocab-file\" and \"vocab_file\"", error(tree));
    }

    @Test
    void missingRequiredKeysAreListedTogether() {
        Map<String, Object> tree = minimal(dir);
        tree.remove("vocab_size");
        tree.remove("seq_length");
        assertEquals("missing required config keys vocab_size, seq_length", error(tree));
        Map<String, Object> noLr = minimal(dir);
        noLr.remove("optimizer");
        assertEquals("missing required config key optimizer.params.lr", error(noLr));
    }

    // ---- types and ranges ---------------------------------------------------------------------------------

    @Test
    void badTypes() {
        assertEquals("num_layers must be an integer, got \"four\"", error("num_layers=four"));
        assertEquals("num_layers must be an integer, got 2.5", error("num_layers=2.5"));
        assertEquals("finetune must be true or false, got \"maybe\"", error("finetune=maybe"));
        assertEquals("optimizer.params.lr must be a number, got \"fast\"", error("optimizer.params.lr=fast"));
        assertEquals("optimizer.params.betas must be a list of numbers, got 0.9", error("optimizer.params.betas=0.9"));
        assertEquals("optimizer.params.betas[1] must be a number, got \"x\"", error("optimizer.params.betas=[0.9, x]"));
        assertEquals("train_data_paths must be a list of strings, got \"a\"", error("train_data_paths=a"));
        assertEquals("norm must be a string, got 3", error("norm=3"));
        assertEquals("hidden_size 99999999999 is out of range [-2147483648, 2147483647]",
                error("hidden_size=99999999999"));
    }

    @Test
    void numbersWrittenAsStringsAreAccepted() {
        // PyYAML-style readers leave "3e-4" as a string; the value is still a number.
        TrainConfig c = TrainConfig.fromMap(with(dir, "optimizer.params.lr=\"3e-4\"", "num_layers=\"2\""));
        assertEquals(3e-4, c.optimizer().schedule().peakLr());
        assertEquals(2, c.model().numLayers());
    }

    @Test
    void outOfRange() {
        assertEquals("train_iters must be >= 1, got 0", error("train_iters=0"));
        assertEquals("train_micro_batch_size_per_gpu must be >= 1, got 0", error("train_micro_batch_size_per_gpu=0"));
        assertEquals("gradient_accumulation_steps must be >= 1, got -1", error("gradient_accumulation_steps=-1"));
        assertEquals("warmup must be in [0.0, 1.0], got 1.5", error("warmup=1.5"));
        assertEquals("rms_norm_epsilon must be > 0.0, got 0.0", error("rms_norm_epsilon=0"));
        assertEquals("intra_op_threads must be >= 1, got 0", error("intra_op_threads=0"));
        assertEquals("optimizer.params.betas must be two numbers [beta1, beta2], got [0.9, 0.95, 0.99]",
                error("optimizer.params.betas=[0.9, 0.95, 0.99]"));
        assertEquals("split must be up to three comma-separated numbers such as \"969,30,1\", got \"a,b\"",
                error("split=\"a,b\""));
    }

    @Test
    void architectureChoices() {
        assertEquals("norm must be one of [rmsnorm], got \"layernorm\"", error("norm=layernorm"));
        assertEquals("pos_emb must be one of [rotary], got \"learned\"", error("pos_emb=learned"));
        assertEquals("activation must be one of [swiglu, silu], got \"gelu\"", error("activation=gelu"));
        assertEquals("mlp_type must be one of [llama], got \"regular\"", error("mlp_type=regular"));
        assertEquals("optimizer.type must be one of [adam, adamw], got \"sgd\"", error("optimizer.type=SGD"));
        assertEquals("lr_decay_style must be one of [constant, linear, cosine], got \"exponential\"",
                error("lr_decay_style=exponential"));
    }

    // ---- model --------------------------------------------------------------------------------------------

    @Test
    void hiddenNotDivisibleByHeads() {
        assertEquals("hidden_size 64 is not divisible by num_attention_heads 5", error("num_attention_heads=5"));
    }

    @Test
    void headsNotDivisibleByKvHeads() {
        assertEquals("num_attention_heads 4 is not divisible by num_kv_heads 3", error("num_kv_heads=3"));
    }

    @Test
    void seqLengthBeyondMaxPositionEmbeddings() {
        assertEquals("seq_length 64 exceeds max_position_embeddings 32: RoPE tables cover only"
                + " max_position_embeddings positions", error("seq_length=64", "max_position_embeddings=32"));
    }

    @Test
    void llamaConfigErrorsBecomeConfigExceptions() {
        assertEquals("rotary_pct must be in (0, 1], got 0.0", error("rotary_pct=0"));
        assertEquals("rotary_pct 0.1 of head dim 16 gives an odd number of rotary dimensions", error("rotary_pct=0.1"));
        assertEquals("rotary_emb_scaling_factor must be > 0.0, got 0.0", error("rotary_emb_scaling_factor=0"));
    }

    @Test
    void vocabNotAMultiple() {
        assertEquals("vocab_size 128 is not a multiple of make_vocab_size_divisible_by 96 (128 % 96 = 32)",
                error("make_vocab_size_divisible_by=96"));
    }

    @Test
    void attentionTypeMustMatchKvHeads() {
        assertEquals("attention_type multihead needs num_kv_heads equal to num_attention_heads, got num_kv_heads"
                + " 2 and num_attention_heads 4", error("attention_type=multihead", "num_kv_heads=2"));
        assertEquals("attention_type multiquery needs num_kv_heads 1, got num_kv_heads 4",
                error("attention_type=multiquery"));
    }

    @Test
    void tensorParallelDivisibility() {
        assertEquals("num_attention_heads 4 is not divisible by model_parallel_size 3",
                error("model_parallel_size=3"));
        assertEquals("num_kv_heads 1 is not divisible by model_parallel_size 2",
                error("model_parallel_size=2", "num_kv_heads=1"));
        assertEquals("vocab_size 127 is not divisible by model_parallel_size 2",
                error("model_parallel_size=2", "vocab_size=127"));
    }

    @Test
    void checkpointNumLayersBeyondNumLayers() {
        assertEquals("checkpoint_num_layers 3 exceeds num_layers 2", error("checkpoint_num_layers=3"));
    }

    // ---- parallelism and precision ------------------------------------------------------------------------

    @Test
    void zeroStage3IsNotSupported() {
        assertEquals("zero_optimization.stage 3 is not supported: only ZeRO stage 0 (replicated optimizer) and 1"
                + " (optimizer state sharded over data parallel ranks)", error("zero_optimization.stage=3"));
        assertTrue(error("zero_optimization.stage=2").startsWith("zero_optimization.stage 2 is not supported"));
    }

    @Test
    void pipelineParallelismIsNotSupported() {
        assertEquals("pipe_parallel_size 2: pipeline parallelism is not supported (use 0 or 1)",
                error("pipe_parallel_size=2"));
    }

    @Test
    void fp16IsNotSupported() {
        assertEquals("precision \"fp16\" is not supported: fp16 needs loss scaling, which is not implemented;"
                + " use bf16 or fp32", error("precision=fp16"));
        assertEquals("fp16.enabled true is not supported: fp16 needs loss scaling, which is not implemented;"
                + " use bf16 or fp32", error("fp16.enabled=true"));
    }

    @Test
    void precisionContradictingBf16Block() {
        assertEquals("precision \"fp32\" contradicts bf16.enabled true", error("precision=fp32", "bf16.enabled=true"));
    }

    // ---- optimizer and schedule ---------------------------------------------------------------------------

    @Test
    void adamWSettingsErrorsBecomeConfigExceptions() {
        assertEquals("optimizer.params.betas must be in [0, 1), got [0.9, 1.5]",
                error("optimizer.params.betas=[0.9, 1.5]"));
        assertEquals("gradient_clipping must be >= 0.0, got -1.0", error("gradient_clipping=-1"));
    }

    @Test
    void warmupAndWarmupItersAreExclusive() {
        assertEquals("warmup 0.1 and warmup_iters 5 are two spellings of one setting: give only one",
                error("warmup=0.1", "warmup_iters=5"));
    }

    @Test
    void warmupLongerThanDecay() {
        assertEquals("warmup_iters 20 exceeds lr_decay_iters 10", error("warmup_iters=20"));
    }

    @Test
    void minLrContradictingDecayLrTo() {
        assertEquals("min_lr 1.0E-5 contradicts decay_lr_to 0.1 x optimizer.params.lr 0.001 = 1.0E-4: give only one",
                error("min_lr=1e-5", "decay_lr_to=0.1"));
    }

    @Test
    void checkpointFactorAndSaveIntervalDisagree() {
        assertEquals("checkpoint_factor 500 and save_interval 250 disagree (save_interval is the older name of"
                + " checkpoint_factor): give only one", error("checkpoint_factor=500", "save_interval=250"));
    }

    // ---- ignored keys at values that would change the model -----------------------------------------------

    @Test
    void ignoredKeysAreOnlyIgnoredAtHarmlessValues() {
        assertEquals("hidden_dropout 0.1 is not supported: it must be 0 (dropout is not implemented)",
                error("hidden_dropout=0.1"));
        assertEquals("use_bias_in_norms true is not supported: it must be false (norms have no bias)",
                error("use_bias_in_norms=true"));
        assertEquals("gpt_j_residual true is not supported: it must be false (sequential attention then MLP"
                + " residuals)", error("gpt_j_residual=true"));
        assertEquals("attention_config [[[local], 2]] is not supported: it must be flash or global attention on"
                + " every layer, e.g. [[[\"flash\"], 32]]", error("attention_config=[[[local], 2]]"));
        assertEquals("data_types.grad_accum_dtype \"bf16\" is not supported: it must be fp32 (gradients are always"
                + " accumulated in fp32)", error("data_types.grad_accum_dtype=bf16"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "use_bias_in_attn_linear=true | use_bias_in_attn_linear true is not supported: it must be false "
                    + "(attention projections have no bias)",
            "use_bias_in_mlp=true | use_bias_in_mlp true is not supported: it must be false (MLP projections have no "
                    + "bias)",
            "apply_query_key_layer_scaling=true | apply_query_key_layer_scaling true is not supported: it must be "
                    + "false (scores are scaled by 1/sqrt(head dim) only)",
            "fp16_lm_cross_entropy=true | fp16_lm_cross_entropy true is not supported: it must be false (the loss is "
                    + "computed in fp32)",
            "attention_dropout=0.1 | attention_dropout 0.1 is not supported: it must be 0 (dropout is not implemented)",
            "hidden_dropout=none | hidden_dropout \"none\" is not supported: it must be 0 (dropout is not implemented)",
            "attention_config=flash | attention_config \"flash\" is not supported: it must be flash or global "
                    + "attention on every layer, e.g. [[[\"flash\"], 32]]",
    })
    void everyConditionallyIgnoredKeyRejectsOtherValues(String override, String expected) {
        assertEquals(expected, error(override));
    }

    @Test
    void conditionallyIgnoredKeysAtTheirHarmlessValueAreIgnored() {
        TrainConfig c = TrainConfig.fromMap(with(dir, "hidden_dropout=0.0", "attention_dropout=0",
                "use_bias_in_mlp=false", "attention_config=[[[global, flash], 1]]"));
        assertEquals(List.of("hidden_dropout", "attention_dropout", "use_bias_in_mlp", "attention_config"),
                c.ignoredKeys());
    }

    @Test
    void infiniteNumber() {
        assertEquals("optimizer.params.lr must be a finite number, got \"1e999\"",
                error("optimizer.params.lr=\"1e999\""));
    }

    @Test
    void decayLrToOutOfRange() {
        assertEquals("decay_lr_to must be in [0.0, 1.0], got 2.0", error("decay_lr_to=2"));
    }

    @Test
    void minLrAbovePeak() {
        assertEquals("min_lr 0.01 must be in [0, lr 0.001]", error("min_lr=0.01"));
    }

    @Test
    void bf16PrecisionContradictingDisabledBlock() {
        assertEquals("precision \"bf16\" contradicts bf16.enabled false", error("precision=bf16",
                "bf16.enabled=false"));
    }

    @Test
    void intermediateSizeOverflowFromHugeHidden() {
        assertEquals("hidden_size 900000000 gives an intermediate_size over 2^31",
                error("hidden_size=900000000"));
    }

    @Test
    void nonEmptyUnknownSectionIsOneUnknownKey() {
        Map<String, Object> tree = minimal(dir);
        tree.put("scheduler", Map.of("type", "WarmupLR"));
        assertEquals("unknown config key \"scheduler\"", error(tree));
    }

    @Test
    void keyAtTheWrongLevelSuggestsTheRightLevel() {
        assertEquals("unknown config key \"lr\" (did you mean \"optimizer.params.lr\"?)", error("lr=1e-4"));
        assertEquals("unknown config key \"optimizer.params.weight_decay\" (did you mean \"weight_decay\"?)",
                error("optimizer.params.weight_decay=0.1"));
        assertEquals("unknown config key \"stage\" (did you mean \"zero_optimization.stage\"?)", error("stage=1"));
        assertEquals("unknown config key \"enabled\"", error("enabled=true"),
                "bf16.enabled or fp16.enabled: ambiguous, so no guess");
    }
}
