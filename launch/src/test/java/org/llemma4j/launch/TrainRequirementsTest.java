package org.llemma4j.launch;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code launch train} with the 7B recipe on this (GPU-less, one-process) machine stops at once and says why. */
class TrainRequirementsTest {

    @Test
    void llemma7bStopsBeforeAllocatingAndSaysWhatItNeeds() {
        assumeTrue(System.getenv("WORLD_SIZE") == null && System.getenv("SLURM_NTASKS") == null,
                "runs as a single process");
        String config = Path.of(System.getProperty("project.root", ".."), "configs", "llemma-7b.yaml").toString();
        long start = System.nanoTime();
        LaunchRun run = LaunchRun.of("train", "--config", config);
        String message = run.err();
        assertEquals(2, run.status(), message);
        assertTrue(message.startsWith("launch train: cannot start this run here: model_parallel_size 2 needs a world"
                + " size that is a multiple of 2"), message);
        if (message.contains("no CUDA device is available")) {
            assertTrue(message.contains("this config needs CUDA GPUs (it fits from 16 x a100-40gb at"
                    + " model_parallel_size 2;"), message);
        }
        assertTrue((System.nanoTime() - start) / 1e9 < 60, "stops at once");
    }
}
