package org.llemma4j.launch;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code launch plan} end to end: the acceptance verdicts for the Llemma 7B recipe, and its usage errors. */
class PlanCommandTest {

    private static final String CONFIG_7B =
            Path.of(System.getProperty("project.root", ".."), "configs", "llemma-7b.yaml").toString();

    @Test
    void theLlemma7bLayoutFitsOn32NodesOf8A100s() {
        LaunchRun r = LaunchRun.of("plan", "--config", CONFIG_7B, "--gpu", "a100-40gb", "--nodes", "32",
                "--gpus-per-node", "8");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("parameters   6,738,546,688 (6.74 B)"), r.out());
        assertTrue(r.out().contains("layout       tp 2 x dp 128 = 256 ranks"), r.out());
        assertTrue(r.out().contains("= 4,194,304 tokens per step"), r.out());
        assertTrue(r.out().contains("\nfits: "), r.out());
        assertTrue(r.out().contains("step time                            6.05 s"), r.out());
    }

    @Test
    void theSameModelAtTp1WithoutCheckpointingDoesNotFit() {
        LaunchRun r = LaunchRun.of("plan", "--config", CONFIG_7B, "--nodes", "32", "--gpus-per-node", "8",
                "--set", "model_parallel_size=1", "--set", "checkpoint_activations=false");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\nDOES NOT FIT: "), r.out());
    }

    @Test
    void mfuAndGpuChangeTheEstimate() {
        LaunchRun r = LaunchRun.of("plan", "--config", CONFIG_7B, "--gpu", "h100-80gb", "--nodes", "32", "--mfu",
                "0.5");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("throughput at MFU 0.50 (assumed; --mfu), h100-80gb bf16 peak 989 TFLOP/s"),
                r.out());
    }

    @Test
    void h200IsPlannedWithItsMemoryAndPeak() {
        LaunchRun r = LaunchRun.of("plan", "--config", CONFIG_7B, "--gpu", "H200", "--nodes", "32");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("on 32 nodes x 8 h200 = 256 GPUs"), r.out());
        assertTrue(r.out().matches("(?s).*\n  h200 memory +140\\.40\n.*"), r.out());        // 143,771 MiB
        assertTrue(r.out().contains("h200 bf16 peak 989 TFLOP/s"), r.out());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        LaunchRun gpu = LaunchRun.of("plan", "--config", CONFIG_7B, "--gpu", "v100");
        assertEquals(2, gpu.status());
        assertEquals("launch plan: unknown GPU 'v100'; known: a100-40gb, a100-80gb, h100-80gb, h100-pcie, h200",
                gpu.err().trim());
        LaunchRun world = LaunchRun.of("plan", "--config", CONFIG_7B, "--gpus-per-node", "3");
        assertEquals(2, world.status());
        assertTrue(world.err().contains("world 3 (1 node x 3 GPUs) is not model_parallel_size 2 x dp"), world.err());
        LaunchRun mfu = LaunchRun.of("plan", "--config", CONFIG_7B, "--mfu", "fast");
        assertEquals(2, mfu.status());
        assertEquals("launch plan: --mfu must be a number in (0, 1], got 'fast'", mfu.err().trim());
    }
}
