package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.device.CudaProbe;

/**
 * {@code launch gpu-check}: on this CPU build the default device fails at once with what to do, and with
 * {@code --device cpu} the checks' logic runs on the CPU (the CPU against itself, two Gloo ranks) on a shrunk tiny
 * config: a 2-layer, 64-wide model at micro batch 2.
 */
class GpuCheckCommandTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

    private static final List<String> SMALL = List.of("num_layers=2", "hidden_size=64", "num_attention_heads=4",
            "num_kv_heads=2", "intermediate_size=128", "seq_length=64", "max_position_embeddings=64",
            "train_micro_batch_size_per_gpu=2");

    @TempDir
    Path dir;

    @Test
    void theDefaultDeviceFailsFastOnTheCpuBuild() {
        assumeFalse(CudaProbe.detect().nativesBuilt(), "this build has the CUDA natives");
        long start = System.nanoTime();
        LaunchRun r = LaunchRun.of("gpu-check", "--work-dir", dir.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("rebuild with -Pcuda"), r.err());
        assertTrue(r.err().contains("--device cpu"), r.err());
        assertEquals("", r.out(), "no check ran");
        assertTrue(seconds < 30, "took " + seconds + " s");
        assertTrue(!Files.exists(dir.resolve("check1-device")), "nothing was trained");
    }

    @Test
    void checksOneToThreeRunOnTheCpu() throws Exception {
        LaunchRun r = LaunchRun.of(args("1,2,3").toArray(String[]::new));
        assertEquals(0, r.status(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("gpu-check on cpu"), lines.get(0));
        assertLine(lines, "check 1   fp32, cpu against cpu, 10 steps: largest relative loss difference 0 (identical)",
                "PASS");
        assertLine(lines, "check 2   bf16, cpu, 10 steps, twice: loss ", "PASS");
        assertTrue(line(lines, "check 2 ").contains("(falls), run-to-run largest relative difference 0 (identical)"),
                line(lines, "check 2 "));
        assertLine(lines, "check 3a  ", "SKIP");
        assertLine(lines, "check 3b  ", "SKIP");
        assertEquals("gpu-check: 2 passed, 0 failed, 2 skipped", lines.get(lines.size() - 1));
    }

    @Test
    void aFailedCheckFailsTheCommand() throws Exception {
        List<String> args = args("2");
        args.addAll(List.of("--set", "optimizer.params.lr=0"));       // a model that does not learn
        LaunchRun r = LaunchRun.of(args.toArray(String[]::new));
        assertEquals(1, r.status(), r.out() + r.err());
        assertLine(r.out().lines().toList(), "check 2 ", "FAIL");
        assertTrue(r.out().contains("does not fall by 1%"), r.out());
        assertTrue(r.out().contains("gpu-check: 0 passed, 1 failed, 0 skipped"), r.out());
    }

    @Test
    void checkFiveRunsOnTwoGlooRanks() throws Exception {
        LaunchRun r = LaunchRun.of(args("5").toArray(String[]::new));
        assertEquals(0, r.status(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertLine(lines, "check 5a  2 data-parallel ranks over Gloo, 10 steps: loss ", "(falls)  PASS");
        assertLine(lines, "check 5b  fp32, tensor parallel over 2 ranks against 1, 10 steps: largest relative loss"
                + " difference ", "PASS");
        assertTrue(Files.exists(dir.resolve("work/check5-tp2/checkpoints")), "the TP=2 ranks trained and saved");
    }

    /** {@code gpu-check --device cpu --checks <which>} on the small config, its data paths made absolute. */
    private List<String> args(String which) throws Exception {
        Path config = dir.resolve("tiny.yaml");
        // The ranks of check 5 run in this test's working directory: point the data paths at the checkout's data.
        Files.writeString(config, Files.readString(ROOT.resolve("configs/tiny.yaml"))
                .replace(" data/sample/", " " + ROOT.resolve("data/sample") + "/"));
        List<String> args = new ArrayList<>(List.of("gpu-check", "--device", "cpu", "--checks", which, "--config",
                config.toString(), "--work-dir", dir.resolve("work").toString()));
        for (String set : SMALL) {
            args.addAll(List.of("--set", set));
        }
        return args;
    }

    private static void assertLine(List<String> lines, String start, String end) {
        String line = line(lines, start);
        assertTrue(line.endsWith(end), "'" + line + "' should end with '" + end + "'");
    }

    private static String line(List<String> lines, String start) {
        return lines.stream().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + start + "' in " + lines));
    }
}
