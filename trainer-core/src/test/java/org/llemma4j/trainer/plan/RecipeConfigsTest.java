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

/** configs/llemma-7b.yaml, llemma-34b.yaml and proof-pile-2.yaml say what DESIGN.md section 1 says. */
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
        assertEquals(2, c.modelParallelSize());
        assertEquals(1, c.zeroStage());
        assertEquals(4, c.microBatchSize());
        assertEquals(2, c.gradientAccumulationSteps());
        assertEquals(4096, c.seqLength());
        assertEquals(1e-4, c.schedule().peakLr());
        assertEquals(500, c.schedule().warmupIters());
        assertEquals(LrSchedule.Style.COSINE, c.schedule().style());
        assertEquals(0.033 * 1e-4, c.schedule().minLr(), 1e-18);
        assertEquals(48000, c.schedule().decayIters());
        assertEquals(48000, c.trainIters());
        assertEquals(0.9, c.adamW().beta1());
        assertEquals(0.95, c.adamW().beta2());
        assertEquals(1e-8, c.adamW().eps());
        assertEquals(0.1, c.adamW().weightDecay());
        assertEquals(1.0, c.adamW().gradientClipping());
        assertTrue(c.checkpointActivations());
        assertEquals(1, c.checkpointNumLayers());
        assertEquals(Precision.BF16, c.precision());
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
        assertEquals(8, c.modelParallelSize());
        assertEquals(2, c.microBatchSize());
        assertEquals(16, c.gradientAccumulationSteps());
        assertEquals(5e-5, c.schedule().peakLr());
        assertEquals(12000, c.trainIters());
        assertEquals(250, c.checkpointFactor());
    }

    @Test
    void proofPile2IsTheFiveWayMixtureWithEqualValidationWeights() {
        TrainConfig c = withData(TrainingPlanTest.LLEMMA_7B);
        assertEquals(List.of(2.0, 4.0, 1.0, 0.147368, 0.221053), c.trainDataWeights());
        assertEquals(List.of("arxiv_text_document", "open-web-math_text_document",
                        "algebraic-stack_text_document", "pile_text_document", "redpajama-code_text_document"),
                c.trainDataPaths().stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(c.trainDataPaths().get(0).endsWith(Path.of("data", "proof-pile-2", "train",
                "arxiv_text_document")));
        double total = c.trainDataWeights().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(0.05, (0.147368 + 0.221053) / total, 1e-6, "general data is 5% of the mixture");
        assertEquals(2.0 / 3, 0.147368 / 0.221053, 1e-5, "Pile : RedPajama-code = 2 : 3");
        assertEquals(List.of(1.0, 1.0, 1.0), c.validDataWeights());
        assertEquals(3, c.validDataPaths().size());
    }

    @Test
    void trainingWithoutTheDataSaysWhichFilesAreMissing() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.load(List.of(TrainingPlanTest.LLEMMA_7B, DATA), List.of()));
        assertTrue(e.getMessage().startsWith("missing data files: train_data_paths[0] "), e.getMessage());
        assertTrue(e.getMessage().contains("proof-pile-2/train/arxiv_text_document.bin"), e.getMessage());
    }
}
