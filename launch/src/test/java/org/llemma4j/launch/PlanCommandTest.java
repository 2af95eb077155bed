package org.llemma4j.launch;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code launch plan} end to end: the acceptance verdicts for the Llemma 7B recipe, and its usage errors. */
class PlanCommandTest {

    private static final String CONFIG_7B =
            Path.of(System.getProperty("project.root", ".."), "configs", "llemma-7b.yaml").toString();

    private record Result(int status, String out, String err) {
    }

    private static Result launch(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int status = Launch.run(args);
            return new Result(status, outBytes.toString(StandardCharsets.UTF_8),
                    errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void theLlemma7bLayoutFitsOn32NodesOf8A100s() {
        Result r = launch("plan", "--config", CONFIG_7B, "--gpu", "a100-40gb", "--nodes", "32",
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
        Result r = launch("plan", "--config", CONFIG_7B, "--nodes", "32", "--gpus-per-node", "8",
                "--set", "model_parallel_size=1", "--set", "checkpoint_activations=false");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\nDOES NOT FIT: "), r.out());
    }

    @Test
    void mfuAndGpuChangeTheEstimate() {
        Result r = launch("plan", "--config", CONFIG_7B, "--gpu", "h100-80gb", "--nodes", "32", "--mfu", "0.5");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("throughput at MFU 0.50 (assumed; --mfu), h100-80gb bf16 peak 989 TFLOP/s"),
                r.out());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Result gpu = launch("plan", "--config", CONFIG_7B, "--gpu", "v100");
        assertEquals(2, gpu.status());
        assertEquals("launch plan: unknown GPU 'v100'; known: a100-40gb, a100-80gb, h100-80gb", gpu.err().trim());
        Result world = launch("plan", "--config", CONFIG_7B, "--gpus-per-node", "3");
        assertEquals(2, world.status());
        assertTrue(world.err().contains("world 3 (1 node x 3 GPUs) is not model_parallel_size 2 x dp"), world.err());
        Result mfu = launch("plan", "--config", CONFIG_7B, "--mfu", "fast");
        assertEquals(2, mfu.status());
        assertEquals("launch plan: --mfu must be a number in (0, 1], got 'fast'", mfu.err().trim());
    }
}
