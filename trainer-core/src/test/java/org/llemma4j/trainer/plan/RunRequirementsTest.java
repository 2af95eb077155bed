package org.llemma4j.trainer.plan;

import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.config.TrainConfig;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.trainer.plan.TrainingPlanTest.LLEMMA_7B;
import static org.llemma4j.trainer.plan.TrainingPlanTest.config;

/** A run that this machine cannot start stops before anything is allocated, saying what it needs. */
class RunRequirementsTest {

    private static final long GIB = 1L << 30;
    private static final Path TINY = TrainingPlanTest.CONFIGS.resolve("tiny.yaml");

    @Test
    void llemma7bOnOneCpuProcessNamesBothRequirements() {
        TrainConfig c = config(LLEMMA_7B);
        RunRequirements.UnmetException e = assertThrows(RunRequirements.UnmetException.class,
                () -> RunRequirements.check(c, 1, false, 23 * GIB));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot start this run here: model_parallel_size 2 needs a world size that is a"
                + " multiple of 2 (tp 2 x dp ranks), got world size 1: start a multiple of 2 ranks"), m);
        assertTrue(m.contains("no CUDA device is available"), m);
        assertTrue(m.contains("more than this machine's 23.0 GiB: this config needs CUDA GPUs (it fits from"), m);
        assertTrue(m.contains("x a100-40gb at model_parallel_size 2"), m);
    }

    @Test
    void llemma7bWithTwoCpuRanksStillNeedsGpus() {
        RunRequirements.UnmetException e = assertThrows(RunRequirements.UnmetException.class,
                () -> RunRequirements.check(config(LLEMMA_7B), 2, false, 23 * GIB));
        assertTrue(e.getMessage().startsWith("cannot start this run here: no CUDA device is available"),
                e.getMessage());
    }

    @Test
    void llemma7bOnItsClusterPasses() {
        assertDoesNotThrow(() -> RunRequirements.check(config(LLEMMA_7B), 256, true, 23 * GIB));
    }

    @Test
    void aWorldThatIsNotAMultipleOfTpFailsEvenWithGpus() {
        RunRequirements.UnmetException e = assertThrows(RunRequirements.UnmetException.class,
                () -> RunRequirements.check(config(LLEMMA_7B), 3, true, 23 * GIB));
        assertEquals("cannot start this run here: model_parallel_size 2 needs a world size that is a multiple of 2"
                + " (tp 2 x dp ranks), got world size 3: start a multiple of 2 ranks, one per GPU (srun with one"
                + " task per GPU, or any launcher that sets WORLD_SIZE)", e.getMessage());
    }

    @Test
    void tinyRunsOnTheCpu() {
        assertDoesNotThrow(() -> RunRequirements.check(config(TINY), 1, false, 8 * GIB));
        assertDoesNotThrow(() -> RunRequirements.check(config(TINY), 2, false, 8 * GIB));
        assertDoesNotThrow(() -> RunRequirements.check(config(TINY), 1, false));
        assertTrue(RunRequirements.physicalMemoryBytes() > 0);
    }
}
