package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.trainer.optim.LrSchedule;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.config.ConfigFixtures.dataset;

/** configs/tiny.yaml is valid and says what it should; its data paths are redirected to fake shards. */
class TinyConfigTest {

    @TempDir
    Path dir;

    private static Path tiny() {
        return Path.of(System.getProperty("project.root", "..")).resolve("configs/tiny.yaml");
    }

    @Test
    void tinyConfigDeclaresTheSampleData() {
        Map<String, Object> raw = ConfigSources.readFile(tiny());
        assertEquals(List.of("data/sample/arxiv_text_document", "data/sample/open-web-math_text_document",
                "data/sample/algebraic-stack_text_document"), raw.get("train_data_paths"));
        assertEquals(List.of(2, 4, 1), raw.get("train_data_weights"));
        assertEquals(List.of("data/sample/validation/arxiv_text_document",
                "data/sample/validation/open-web-math_text_document",
                "data/sample/validation/algebraic-stack_text_document"), raw.get("valid_data_paths"));
        assertEquals("runs/tiny", raw.get("save"));
    }

    @Test
    void tinyConfigLoads() {
        String train = "[" + dataset(dir, "a") + ", " + dataset(dir, "b") + ", " + dataset(dir, "c") + "]";
        String valid = "[" + dataset(dir, "va") + ", " + dataset(dir, "vb") + ", " + dataset(dir, "vc") + "]";
        TrainConfig c = TrainConfig.load(List.of(tiny()),
                List.of("train_data_paths=" + train, "valid_data_paths=" + valid));
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
        assertEquals(4, c.model().numLayers());
        assertEquals(256, c.model().hiddenSize());
        assertEquals(8, c.model().numHeads());
        assertEquals(4, c.model().numKvHeads());
        assertEquals(704, c.model().intermediateSize());
        assertEquals(32000, c.model().vocabSize());
        assertEquals(256, c.model().maxPositions());
        assertEquals(256, c.training().seqLength());
        assertEquals(3e-3, c.optimizer().schedule().peakLr());
        assertEquals(3e-4, c.optimizer().schedule().minLr(), 1e-15);
        assertEquals(10, c.optimizer().schedule().warmupIters());
        assertEquals(100, c.optimizer().schedule().decayIters());
        assertEquals(LrSchedule.Style.COSINE, c.optimizer().schedule().style());
        assertEquals(0.95, c.optimizer().adamW().beta2());
        assertEquals(0.1, c.optimizer().adamW().weightDecay());
        assertEquals(8, c.training().microBatchSize());
        assertEquals(1, c.training().gradientAccumulationSteps());
        assertEquals(100, c.training().trainIters());
        assertEquals(Precision.BF16, c.training().precision());
        assertEquals(1234, c.training().seed());
        assertEquals(5, c.logging().logInterval());
        assertEquals(List.of(2.0, 4.0, 1.0), c.data().train().weights());
        assertEquals(List.of(1.0, 1.0, 1.0), c.data().valid().weights());
        assertTrue(c.checkpoint().save().orElseThrow().endsWith("runs/tiny"));
    }
}
