package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private static final String[] SMALL = {"bench", "--hidden", "32", "--layers", "1", "--heads", "2", "--ffn", "64",
            "--vocab", "100", "--seq", "16", "--micro-batch", "2", "--steps", "1"};

    /** The options reach the benchmark: the shape, the kernel and the clock are the ones printed. */
    @Test
    void optionsReachTheBenchmark() {
        LaunchRun run = LaunchRun.of(concat(SMALL, "--threads", "1", "--attention", "sdpa_fp32"));
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("1 intra-op threads"), run.out());
        assertTrue(run.out().contains("hidden 32, 1 layers, 2 heads, ffn 64, vocab 100; seq 16 x micro batch 2, "
                + "attention SDPA_FP32"), run.out());
        assertTrue(run.out().contains("timed by WALL clock"), run.out());
    }

    /** The GPU options reach the benchmark: KV heads, recomputation and the SDPA backend are in its report. */
    @Test
    void gpuCheckOptionsReachTheBenchmark() {
        LaunchRun run = LaunchRun.of(concat(SMALL, "--threads", "1", "--device", "CPU", "--kv-heads", "1",
                "--recompute", "--attention", "sdpa", "--sdpa-backend", "flash"));
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("2 heads / 1 KV heads"), run.out());
        assertTrue(run.out().contains("attention SDPA (SDPA implementations: flash), forward recomputed in groups "
                + "of 1 layer(s)"), run.out());
        assertTrue(run.out().contains(", HFU "), run.out());
        assertEquals(0, LaunchRun.of(concat(SMALL, "--threads", "1", "--sdpa-backend", "any")).status());
    }

    @Test
    void deviceShapeAndBackendErrorsAreUsageErrors() {
        LaunchRun device = LaunchRun.of(concat(SMALL, "--device", "tpu"));
        assertEquals(2, device.status());
        assertTrue(device.err().contains("--device: device 'tpu' is not one of auto, cpu, cuda"), device.err());
        LaunchRun kvHeads = LaunchRun.of(concat(SMALL, "--kv-heads", "3"));
        assertEquals(2, kvHeads.status());
        assertTrue(kvHeads.err().contains("--kv-heads") && kvHeads.err().contains("num_kv_heads 3"), kvHeads.err());
        LaunchRun backend = LaunchRun.of(concat(SMALL, "--sdpa-backend", "cudnn"));
        assertEquals(2, backend.status());
        assertTrue(backend.err().contains("--sdpa-backend must be one of [ANY, FLASH], got 'cudnn'"), backend.err());
        LaunchRun peak = LaunchRun.of(concat(SMALL, "--peak-tflops", "many"));
        assertEquals(2, peak.status());
        assertTrue(peak.err().contains("--peak-tflops must be a number, got 'many'"), peak.err());
    }

    @Test
    void cpuClockNeedsOneThreadAndClockNamesAreChecked() {
        LaunchRun twoThreads = LaunchRun.of(concat(SMALL, "--threads", "2", "--clock", "CPU"));
        assertEquals(2, twoThreads.status());
        assertTrue(twoThreads.err().contains("--clock CPU counts the main thread's CPU time, which is the whole "
                + "computation only with --threads 1 (got --threads 2)"), twoThreads.err());
        LaunchRun unknown = LaunchRun.of(concat(SMALL, "--clock", "sundial"));
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("--clock must be one of [WALL, CPU], got 'sundial'"), unknown.err());
    }

    @Test
    void cpuClockNeedsOneOpenBlasThread() {
        assumeFalse("1".equals(System.getenv("OPENBLAS_NUM_THREADS")), "this JVM runs OpenBLAS on one thread");
        LaunchRun run = LaunchRun.of(concat(SMALL, "--threads", "1", "--clock", "cpu"));
        assertEquals(2, run.status());
        assertTrue(run.err().contains("--clock CPU needs OPENBLAS_NUM_THREADS=1 in the environment"), run.err());
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
