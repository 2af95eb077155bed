package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.trainer.optim.LrSchedule;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.dataset;

/**
 * GPT-NeoX's Llemma configs load unchanged: every key they use is implemented or deliberately ignored, and the
 * ignored ones produce exactly one warning. The fixtures are our own files with the same keys and values.
 */
class LlemmaConfigFixtureTest {

    /** Keys of the Llemma configs that this trainer does not use, in file order. */
    private static final List<String> IGNORED_7B = List.of(
            "gpt_j_residual", "output_layer_parallelism", "attention_config",
            "scaled_upper_triang_masked_softmax_fusion", "bias_gelu_fusion", "use_bias_in_norms",
            "use_bias_in_attn_linear",
            "zero_optimization.allgather_partitions", "zero_optimization.allgather_bucket_size",
            "zero_optimization.reduce_scatter", "zero_optimization.contiguous_gradients",
            "zero_optimization.cpu_offload",
            "data_impl", "partition_activations", "synchronize_each_layer", "hidden_dropout", "attention_dropout",
            "fp32_allreduce", "data_types.grad_accum_dtype", "distributed_backend", "steps_per_print",
            "wall_clock_breakdown", "tokenizer_type");

    @TempDir
    Path dir;

    private static Path fixture(String name) {
        try {
            return Path.of(LlemmaConfigFixtureTest.class.getResource("/config/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What GPT-NeoX gets from the tokenizer and a data config: supplied as overrides. */
    private List<String> missingPieces(int vocab) {
        Path arxiv = dataset(dir, "arxiv");
        Path owm = dataset(dir, "open-web-math");
        Path stack = dataset(dir, "algebraic-stack");
        return List.of("vocab_size=" + vocab,
                "train-data-paths=[" + arxiv + ", " + owm + ", " + stack + "]",
                "train_data_weights=[2, 4, 1]");
    }

    @Test
    void llemma7bLoadsWithOneWarningListingTheIgnoredKeys() {
        TrainConfig c = TrainConfig.load(List.of(fixture("llemma-7b-like.yml")), missingPieces(32016));

        assertEquals(IGNORED_7B, c.ignoredKeys());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertEquals("ignoring " + IGNORED_7B.size() + " GPT-NeoX keys this trainer does not use: "
                + String.join(", ", IGNORED_7B), c.warnings().get(0));

        assertEquals(32, c.model().numLayers());
        assertEquals(4096, c.model().hiddenSize());
        assertEquals(32, c.model().numHeads());
        assertEquals(32, c.model().numKvHeads());
        assertEquals(11008, c.model().intermediateSize());
        assertEquals(32016, c.model().vocabSize());
        assertEquals(4096, c.model().maxPositions());
        assertEquals(1e-5, c.model().normEps());
        assertEquals(10000.0, c.model().ropeBase());
        assertEquals(false, c.model().tieEmbeddings());
        assertEquals(0.9, c.optimizer().adamW().beta1());
        assertEquals(0.95, c.optimizer().adamW().beta2());
        assertEquals(1e-8, c.optimizer().adamW().eps());
        assertEquals(0.1, c.optimizer().adamW().weightDecay());
        assertEquals(1.0, c.optimizer().adamW().gradientClipping());
        assertEquals(1e-4, c.optimizer().schedule().peakLr());
        assertEquals(0.033 * 1e-4, c.optimizer().schedule().minLr(), 1e-18);
        assertEquals(500, c.optimizer().schedule().warmupIters());
        assertEquals(48000, c.optimizer().schedule().decayIters());
        assertEquals(LrSchedule.Style.COSINE, c.optimizer().schedule().style());
        assertEquals(Precision.BF16, c.training().precision());
        assertEquals(2, c.parallelism().modelParallelSize());
        assertEquals(0, c.parallelism().pipeParallelSize());
        assertEquals(1, c.parallelism().zero().stage());
        assertEquals(4, c.training().microBatchSize());
        assertEquals(2, c.training().gradientAccumulationSteps());
        assertEquals(48000, c.training().trainIters());
        assertTrue(c.training().checkpointActivations());
        assertEquals(1, c.training().checkpointNumLayers());
        assertEquals(500, c.checkpoint().checkpointFactor());
        assertEquals(250, c.logging().evalInterval());
        assertEquals(50, c.logging().evalIters());
        assertEquals(1, c.logging().logInterval());
        assertTrue(c.checkpoint().finetune());
        assertEquals(Path.of("/path/to/save/llemma-7b"), c.checkpoint().save().orElseThrow());
        assertEquals(Path.of("/path/to/codellama-7b-mp2"), c.checkpoint().load().orElseThrow());
        assertTrue(c.checkpoint().vocabFile().orElseThrow().endsWith("codellama/tokenizer.model"));
        assertEquals(List.of(2.0, 4.0, 1.0), c.data().train().weights());
    }

    @Test
    void llemma34bLoadsWithOneWarning() {
        TrainConfig c = TrainConfig.load(List.of(fixture("llemma-34b-like.yml")), missingPieces(32000));

        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertEquals(IGNORED_7B, c.ignoredKeys(), "34B uses the same ignored keys as 7B");
        assertEquals(48, c.model().numLayers());
        assertEquals(8192, c.model().hiddenSize());
        assertEquals(64, c.model().numHeads());
        assertEquals(8, c.model().numKvHeads());
        assertEquals(22016, c.model().intermediateSize());
        assertEquals(1_000_000.0, c.model().ropeBase());
        assertEquals(8, c.parallelism().modelParallelSize());
        assertEquals(5e-5, c.optimizer().schedule().peakLr());
        assertEquals(1.65e-6, c.optimizer().schedule().minLr());
        assertEquals(504, c.optimizer().schedule().warmupIters(), "warmup 0.042 x 12000");
        assertEquals(12000, c.optimizer().schedule().decayIters());
        assertEquals(2, c.training().microBatchSize());
        assertEquals(16, c.training().gradientAccumulationSteps());
        assertEquals(250, c.checkpoint().checkpointFactor());
        assertEquals(25, c.logging().evalIters());
        assertEquals(Precision.BF16, c.training().precision());
        assertTrue(c.checkpoint().load().isEmpty());
        assertTrue(c.checkpoint().save().isEmpty());
    }

    @Test
    void resolvedLlemmaConfigRoundTripsWithoutIgnoredKeys() {
        TrainConfig c = TrainConfig.load(List.of(fixture("llemma-7b-like.yml")), missingPieces(32016));
        TrainConfig again = TrainConfig.fromMap(c.resolved());
        assertEquals(c.resolved(), again.resolved());
        assertTrue(again.ignoredKeys().isEmpty());
        assertTrue(again.warnings().isEmpty());
    }
}
