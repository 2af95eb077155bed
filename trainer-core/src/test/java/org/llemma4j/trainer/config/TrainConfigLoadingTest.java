package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.trainer.optim.LrSchedule;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.dataset;
import static org.llemma4j.trainer.config.ConfigFixtures.file;
import static org.llemma4j.trainer.config.ConfigFixtures.minimal;
import static org.llemma4j.trainer.config.ConfigFixtures.with;

class TrainConfigLoadingTest {

    @TempDir
    Path dir;

    @Test
    void minimalConfigGetsDocumentedDefaults() {
        TrainConfig c = TrainConfig.fromMap(minimal(dir));
        assertEquals(4, c.model().numKvHeads(), "num_kv_heads defaults to num_attention_heads");
        assertEquals(256, c.model().intermediateSize(), "8 x 64 / 3 = 170, rounded up to 256");
        assertEquals(32, c.model().maxPositions(), "max_position_embeddings defaults to seq_length");
        assertEquals(1e-5, c.model().normEps());
        assertEquals(1.0, c.model().rotaryPct());
        assertEquals(10000.0, c.model().ropeBase());
        assertFalse(c.model().tieEmbeddings(), "no_weight_tying defaults to true here");
        assertEquals(0.02, c.model().initStd());
        assertEquals(0.9, c.optimizer().adamW().beta1());
        assertEquals(0.999, c.optimizer().adamW().beta2());
        assertEquals(1e-8, c.optimizer().adamW().eps());
        assertEquals(0.01, c.optimizer().adamW().weightDecay());
        assertEquals(1.0, c.optimizer().adamW().gradientClipping());
        assertEquals(LrSchedule.Style.LINEAR, c.optimizer().schedule().style());
        assertEquals(10, c.optimizer().schedule().decayIters(), "lr_decay_iters defaults to train_iters");
        assertEquals(0, c.optimizer().schedule().warmupIters(), "warmup 0.01 x 10 rounds to 0");
        assertEquals(0.0, c.optimizer().schedule().minLr());
        assertEquals(Precision.FP32, c.training().precision());
        assertEquals(1234, c.training().seed());
        assertTrue(c.training().intraOpThreads().isEmpty(), "intra_op_threads' default is the launcher's");
        assertEquals(100, c.logging().logInterval());
        assertEquals(1000, c.logging().evalInterval());
        assertEquals(100, c.logging().evalIters());
        assertEquals(0, c.checkpoint().checkpointFactor());
        assertEquals(0, c.checkpoint().keepLast());
        assertFalse(c.checkpoint().finetune());
        assertTrue(c.checkpoint().save().isEmpty() && c.checkpoint().load().isEmpty()
                && c.checkpoint().vocabFile().isEmpty());
        assertEquals(1, c.parallelism().modelParallelSize());
        assertEquals(0, c.parallelism().pipeParallelSize());
        assertEquals(0, c.parallelism().zero().stage());
        assertFalse(c.training().checkpointActivations());
        assertEquals(1, c.training().checkpointNumLayers());
        assertEquals(1, c.training().gradientAccumulationSteps());
        assertEquals("969,30,1", c.data().split());
        assertTrue(c.data().dataPath().isEmpty());
        assertEquals(List.of(dir.resolve("train_a")), c.data().train().paths());
        assertEquals(List.of(1.0), c.data().train().weights(), "weights default to equal");
        assertTrue(c.data().valid().paths().isEmpty() && c.data().test().paths().isEmpty());
        assertTrue(c.ignoredKeys().isEmpty());
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void llamaIntermediateRule() {
        assertEquals(11008, ModelSection.llamaIntermediateSize(4096));
        assertEquals(22016, ModelSection.llamaIntermediateSize(8192));
        assertEquals(13824, ModelSection.llamaIntermediateSize(5120));
        TrainConfig c = TrainConfig.fromMap(with(dir, "hidden_size=4096", "num_attention_heads=32"));
        assertEquals(11008, c.model().intermediateSize());
    }

    @Test
    void gptNeoxJsonStyleWithCommentsAndTrailingCommaParses() {
        Path data = dataset(dir, "d");
        Path f = file(dir, "neox.yml", """
                # a GPT-NeoX config: JSON with comments
                {
                  "num-layers": 2, # hyphenated, as GPT-NeoX allows
                  "hidden_size": 64,
                  "num_attention_heads": 4,
                  #"num_kv_heads": 2,
                  "vocab_size": 128,
                  "seq_length": 32,
                  "train_micro_batch_size_per_gpu": 2,
                  "train_iters": 10,
                  "optimizer": {"type": "Adam", "params": {"lr": 3e-4, "betas": [0.9, 0.95]}},
                  "train_data_paths": ["%s"],
                }
                """.formatted(data));
        TrainConfig c = TrainConfig.load(List.of(f), List.of());
        assertEquals(2, c.model().numLayers());
        assertEquals(4, c.model().numKvHeads());
        assertEquals(3e-4, c.optimizer().schedule().peakLr());
        assertEquals(0.95, c.optimizer().adamW().beta2());
    }

    @Test
    void filesMergeLeftToRightAndSectionsMergeRecursively() {
        Path data = dataset(dir, "d");
        Path base = file(dir, "base.yml", """
                num_layers: 2
                hidden_size: 64
                num_attention_heads: 4
                vocab_size: 128
                seq_length: 32
                train_micro_batch_size_per_gpu: 2
                train_iters: 10
                optimizer: {type: adam, params: {lr: 1.0e-3, eps: 1.0e-6}}
                train_data_paths: [%s]
                seed: 1
                """.formatted(data));
        Path later = file(dir, "later.yml", """
                optimizer:
                  params:
                    lr: 2.0e-3          # replaces the base value
                    betas: [0.8, 0.9]   # added next to eps, which survives
                seed: 2
                """);
        TrainConfig c = TrainConfig.load(List.of(base, later), List.of());
        assertEquals(2e-3, c.optimizer().schedule().peakLr());
        assertEquals(1e-6, c.optimizer().adamW().eps(), "the merge is per key inside sections");
        assertEquals(0.8, c.optimizer().adamW().beta1());
        assertEquals(2, c.training().seed());

        TrainConfig reversed = TrainConfig.load(List.of(later, base), List.of());
        assertEquals(1e-3, reversed.optimizer().schedule().peakLr(), "the later file wins");
        assertEquals(0.8, reversed.optimizer().adamW().beta1(), "keys only in the earlier file survive");
        assertEquals(1, reversed.training().seed());
    }

    @Test
    void overridesReachIntoSectionsAndParseYamlValues() {
        Path base = file(dir, "base.yml", ConfigSources.YAML.valueToTree(minimal(dir)).toString());
        TrainConfig c = TrainConfig.load(List.of(base), List.of(
                "zero_optimization.stage=1",
                "optimizer.params.lr=3e-4",
                "optimizer.params.betas=[0.9, 0.95]",
                "train-iters=50",
                "num-kv-heads=2",
                "bf16={enabled: true}",
                "finetune=true"));
        assertEquals(1, c.parallelism().zero().stage());
        assertEquals(3e-4, c.optimizer().schedule().peakLr());
        assertEquals(0.95, c.optimizer().adamW().beta2());
        assertEquals(50, c.training().trainIters());
        assertEquals(2, c.model().numKvHeads());
        assertEquals(Precision.BF16, c.training().precision());
        assertTrue(c.checkpoint().finetune());
    }

    @Test
    void laterOverrideWins() {
        TrainConfig c = TrainConfig.load(List.of(file(dir, "b.yml",
                ConfigSources.YAML.valueToTree(minimal(dir)).toString())), List.of("seed=5", "seed=6"));
        assertEquals(6, c.training().seed());
    }

    @Test
    void hyphensAndUnderscoresAreTheSameKeyAtEveryLevel() {
        Map<String, Object> tree = minimal(dir);
        tree.remove("train_iters");
        tree.put("train-iters", 7);
        tree.put("zero-optimization", Map.of("stage", 1));
        tree.put("lr-decay-style", "cosine");
        tree.put("train-micro-batch-size-per-gpu", tree.remove("train_micro_batch_size_per_gpu"));
        TrainConfig c = TrainConfig.fromMap(tree);
        assertEquals(7, c.training().trainIters());
        assertEquals(1, c.parallelism().zero().stage());
        assertEquals(LrSchedule.Style.COSINE, c.optimizer().schedule().style());
        assertEquals(2, c.training().microBatchSize());
        assertEquals(1, ((Map<?, ?>) c.resolved().get("zero_optimization")).get("stage"));
        assertTrue(c.resolved().containsKey("train_micro_batch_size_per_gpu"));
    }

    @Test
    void precisionSpellings() {
        assertEquals(Precision.BF16, TrainConfig.fromMap(with(dir, "precision=bf16")).training().precision());
        assertEquals(Precision.BF16, TrainConfig.fromMap(with(dir, "precision=bfloat16")).training().precision());
        assertEquals(Precision.BF16, TrainConfig.fromMap(with(dir, "bf16.enabled=true")).training().precision());
        assertEquals(Precision.FP32, TrainConfig.fromMap(with(dir, "precision=fp32")).training().precision());
        assertEquals(Precision.FP32, TrainConfig.fromMap(with(dir, "bf16.enabled=false")).training().precision());
        assertEquals(Precision.BF16,
                TrainConfig.fromMap(with(dir, "precision=bfloat16", "bf16.enabled=true")).training().precision());
        assertEquals(Precision.FP32, TrainConfig.fromMap(with(dir, "fp16.enabled=false")).training().precision());
    }

    @Test
    void scheduleFromFractionsAndAlternatives() {
        TrainConfig c = TrainConfig.fromMap(with(dir, "train_iters=12000", "lr_decay_style=cosine",
                "warmup=0.042", "optimizer.params.lr=1e-4", "decay_lr_to=0.033"));
        assertEquals(504, c.optimizer().schedule().warmupIters(), "round(0.042 x 12000)");
        assertEquals(3.3e-6, c.optimizer().schedule().minLr(), 1e-18);
        assertEquals(LrSchedule.Style.COSINE, c.optimizer().schedule().style());

        TrainConfig both = TrainConfig.fromMap(with(dir, "optimizer.params.lr=1e-4", "decay_lr_to=0.5",
                "min_lr=5e-5", "lr_decay_iters=8", "warmup_iters=3", "lr_decay_style=constant"));
        assertEquals(5e-5, both.optimizer().schedule().minLr(), "consistent min_lr and decay_lr_to are accepted");
        assertEquals(8, both.optimizer().schedule().decayIters());
        assertEquals(3, both.optimizer().schedule().warmupIters());
        assertEquals(LrSchedule.Style.CONSTANT, both.optimizer().schedule().style());
    }

    @Test
    void saveIntervalIsTheOlderNameOfCheckpointFactor() {
        TrainConfig c = TrainConfig.fromMap(with(dir, "save_interval=250"));
        assertEquals(250, c.checkpoint().checkpointFactor());
        assertEquals(1, c.warnings().size());
        assertTrue(c.warnings().get(0).contains("save_interval is the older GPT-NeoX name of checkpoint_factor"),
                c.warnings().toString());
        assertEquals(250, TrainConfig.fromMap(with(dir, "save_interval=250", "checkpoint_factor=250"))
                .checkpoint().checkpointFactor(), "both spellings with one value are fine");
    }

    @Test
    void relativePathsResolveAgainstTheBaseDirectory() {
        dataset(dir, "rel/one");
        Map<String, Object> tree = with(dir, "train_data_paths=[rel/one]", "save=runs/x", "load=../ckpt",
                "vocab_file=tok/tokenizer.model");
        TrainConfig c = TrainConfig.fromMap(tree, dir);
        assertEquals(List.of(dir.resolve("rel/one")), c.data().train().paths());
        assertEquals(dir.resolve("runs/x"), c.checkpoint().save().orElseThrow());
        assertEquals(dir.getParent().resolve("ckpt"), c.checkpoint().load().orElseThrow());
        assertEquals(dir.resolve("tok/tokenizer.model"), c.checkpoint().vocabFile().orElseThrow());
    }

    @Test
    void relativePathsDefaultToTheCurrentDirectory() {
        // The data check passes only if the relative prefix is resolved against the working directory.
        Path cwd = Path.of("").toAbsolutePath();
        Path data = dataset(dir, "cwd_rel");
        String relative = cwd.relativize(data).toString();
        TrainConfig c = TrainConfig.fromMap(with(dir, "train_data_paths=[" + relative + "]"));
        assertEquals(List.of(data), c.data().train().paths());
    }

    @Test
    void dataPathWithSplit() {
        Path all = dataset(dir, "all");
        Map<String, Object> tree = minimal(dir);
        tree.remove("train_data_paths");
        tree.put("data_path", all.toString());
        tree.put("split", "90, 5, 5");
        TrainConfig c = TrainConfig.fromMap(tree);
        assertEquals(all, c.data().dataPath().orElseThrow());
        assertEquals("90,5,5", c.data().split());
        assertTrue(c.data().train().paths().isEmpty());
    }

    @Test
    void blendedTrainValidAndTestSets() {
        Path a = dataset(dir, "a");
        Path b = dataset(dir, "b");
        Path va = dataset(dir, "validation/a");
        Path ta = dataset(dir, "test/a");
        TrainConfig c = TrainConfig.fromMap(with(dir,
                "train_data_paths=[" + a + ", " + b + "]", "train_data_weights=[2, 4]",
                "valid_data_paths=[" + va + "]", "test_data_paths=[" + ta + "]", "test_data_weights=[3]"));
        assertEquals(List.of(a, b), c.data().train().paths());
        assertEquals(List.of(2.0, 4.0), c.data().train().weights());
        assertEquals(List.of(va), c.data().valid().paths());
        assertEquals(List.of(1.0), c.data().valid().weights());
        assertEquals(List.of(ta), c.data().test().paths());
        assertEquals(List.of(3.0), c.data().test().weights());
    }

    @Test
    void nullValuesMeanAbsent() {
        Map<String, Object> tree = minimal(dir);
        tree.put("load", null);
        tree.put("seed", null);
        TrainConfig c = TrainConfig.fromMap(tree);
        assertTrue(c.checkpoint().load().isEmpty());
        assertEquals(1234, c.training().seed());
    }

    @Test
    void dottedKeysInFilesAndMapsMeanSections() {
        Path data = dataset(dir, "d");
        Path f = file(dir, "dotted.yml", """
                num_layers: 2
                hidden_size: 64
                num_attention_heads: 4
                vocab_size: 128
                seq_length: 32
                train_micro_batch_size_per_gpu: 2
                train_iters: 10
                optimizer.params.lr: 2.0e-3
                optimizer:
                  type: adamw
                zero-optimization.stage: 1
                train_data_paths: [%s]
                """.formatted(data));
        TrainConfig c = TrainConfig.load(List.of(f), List.of());
        assertEquals(2e-3, c.optimizer().schedule().peakLr());
        assertEquals("adamw", ((Map<?, ?>) c.resolved().get("optimizer")).get("type"));
        assertEquals(1, c.parallelism().zero().stage());
    }

    @Test
    void nullIgnoredKeysAreAbsentRatherThanIgnored() {
        Map<String, Object> tree = minimal(dir);
        tree.put("use_bias_in_norms", null);
        tree.put("wandb_project", null);
        tree.put("zero_optimization", null);
        TrainConfig c = TrainConfig.fromMap(tree);
        assertTrue(c.ignoredKeys().isEmpty(), c.ignoredKeys().toString());
        assertEquals(0, c.parallelism().zero().stage());
    }

    @Test
    void wholeIgnoredSectionsAndPrefixesAreOneEntryEach() {
        Map<String, Object> tree = minimal(dir);
        tree.put("wandb_project", "neox");
        tree.put("wandb_group", "g");
        tree.put("tensorboard", Map.of("enabled", true, "output_path", "tb"));
        tree.put("launcher", "slurm");
        TrainConfig c = TrainConfig.fromMap(tree);
        assertEquals(List.of("wandb_project", "wandb_group", "tensorboard", "launcher"), c.ignoredKeys());
        assertEquals(List.of("ignoring 4 GPT-NeoX keys this trainer does not use: wandb_project, wandb_group,"
                + " tensorboard, launcher"), c.warnings());
    }
}
