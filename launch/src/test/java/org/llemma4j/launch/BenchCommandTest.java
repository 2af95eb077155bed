package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private static final String[] SMALL = {"bench", "--hidden", "32", "--layers", "1", "--heads", "2", "--ffn", "64",
            "--vocab", "100", "--seq", "16", "--micro-batch", "2", "--steps", "1"};

    /** The figures a reader needs: the machine with its instruction sets, the step, MFU and every breakdown row. */
    @Test
    void printsTheMachineAndTheBreakdown() {
        LaunchRun run = LaunchRun.of(concat(SMALL, "--threads", "1"));
        assertEquals(0, run.status(), run.err());
        String out = run.out();
        assertTrue(out.matches("(?s)machine: .+ \\((no AVX-512 or AMX|[a-z0-9_ ]+)\\), \\d+ cores, 1 intra-op threads, "
                + "load average .+; timed by WALL clock\n.*"), out);
        for (String row : List.of("attention projections", "attention core", "MLP projections", "MLP elementwise",
                "norms (RMSNorm)", "output layer and loss", "gradient accumulation into fp32", "optimizer",
                "other", "MFU")) {
            assertTrue(out.contains(row), "no '" + row + "' in:\n" + out);
        }
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
