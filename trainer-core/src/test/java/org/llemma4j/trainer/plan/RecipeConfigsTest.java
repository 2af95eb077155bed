package org.llemma4j.trainer.plan;

import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.config.ConfigException;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.Precision;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.optim.LrSchedule;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * configs/llemma-7b.yaml, llemma-34b.yaml and proof-pile-2.yaml say what docs/architecture.md, "The recipe this code
 * runs", says.
 */
class RecipeConfigsTest {

    private static final Path DATA = TrainingPlanTest.CONFIGS.resolve("proof-pile-2.yaml");

    private static TrainConfig withData(Path model) {
        return TrainConfig.load(List.of(model, DATA), List.of(), DataCheck.SKIP);
    }

    @Test
    void llemma7bIsTheRecipe() {
        TrainConfig c = withData(TrainingPlanTest.LLEMMA_7B);
        assertTrue(c.warnings().isEmpty(), "our configs carry no ignored GPT-NeoX keys: " + c.warnings());
        assertEquals(32, c.model().numLayers());
        assertEquals(4096, c.model().hiddenSize());
        assertEquals(32, c.model().numKvHeads());
        assertEquals(11008, c.model().intermediateSize());
        assertEquals(32016, c.model().vocabSize());
        assertEquals(1e-5, c.model().normEps());
        assertEquals(10000.0, c.model().ropeBase());
        assertEquals(false, c.model().tieEmbeddings());
        assertEquals(2, c.parallelism().modelParallelSize());
        assertEquals(1, c.parallelism().zero().stage());
        assertEquals(4, c.training().microBatchSize());
        assertEquals(2, c.training().gradientAccumulationSteps());
        assertEquals(4096, c.training().seqLength());
        assertEquals(1e-4, c.optimizer().schedule().peakLr());
        assertEquals(500, c.optimizer().schedule().warmupIters());
        assertEquals(LrSchedule.Style.COSINE, c.optimizer().schedule().style());
        assertEquals(0.033 * 1e-4, c.optimizer().schedule().minLr(), 1e-18);
        assertEquals(48000, c.optimizer().schedule().decayIters());
        assertEquals(48000, c.training().trainIters());
        assertEquals(0.9, c.optimizer().adamW().beta1());
        assertEquals(0.95, c.optimizer().adamW().beta2());
        assertEquals(1e-8, c.optimizer().adamW().eps());
        assertEquals(0.1, c.optimizer().adamW().weightDecay());
        assertEquals(1.0, c.optimizer().adamW().gradientClipping());
        assertTrue(c.training().checkpointActivations());
        assertEquals(1, c.training().checkpointNumLayers());
        assertEquals(Precision.BF16, c.training().precision());
    }

    @Test
    void llemma34bIsTheRecipe() {
        TrainConfig c = withData(TrainingPlanTest.LLEMMA_34B);
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
        assertEquals(48, c.model().numLayers());
        assertEquals(8192, c.model().hiddenSize());
        assertEquals(64, c.model().numHeads());
        assertEquals(8, c.model().numKvHeads());
        assertEquals(22016, c.model().intermediateSize());
        assertEquals(32000, c.model().vocabSize());
        assertEquals(1e6, c.model().ropeBase());
        assertEquals(8, c.parallelism().modelParallelSize());
        assertEquals(2, c.training().microBatchSize());
        assertEquals(16, c.training().gradientAccumulationSteps());
        assertEquals(5e-5, c.optimizer().schedule().peakLr());
        assertEquals(12000, c.training().trainIters());
        assertEquals(250, c.checkpoint().checkpointFactor());
    }

    @Test
    void proofPile2IsTheFiveWayMixtureWithEqualValidationWeights() {
        TrainConfig c = withData(TrainingPlanTest.LLEMMA_7B);
        assertEquals(List.of(2.0, 4.0, 1.0, 0.147368, 0.221053), c.data().train().weights());
        assertEquals(List.of("arxiv_text_document", "open-web-math_text_document",
                        "algebraic-stack_text_document", "pile_text_document", "redpajama-code_text_document"),
                c.data().train().paths().stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(c.data().train().paths().get(0).endsWith(Path.of("data", "proof-pile-2", "train",
                "arxiv_text_document")));
        double total = c.data().train().weights().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(0.05, (0.147368 + 0.221053) / total, 1e-6, "general data is 5% of the mixture");
        assertEquals(2.0 / 3, 0.147368 / 0.221053, 1e-5, "Pile : RedPajama-code = 2 : 3");
        assertEquals(List.of(1.0, 1.0, 1.0), c.data().valid().weights());
        assertEquals(3, c.data().valid().paths().size());
    }

    @Test
    void trainingWithoutTheDataSaysWhichFilesAreMissing() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(TrainingPlanTest.LLEMMA_7B, DATA), List.of()));
        assertTrue(e.getMessage().startsWith("missing data files: train_data_paths[0] "), e.getMessage());
        assertTrue(e.getMessage().contains("proof-pile-2/train/arxiv_text_document.bin"), e.getMessage());
    }
}
