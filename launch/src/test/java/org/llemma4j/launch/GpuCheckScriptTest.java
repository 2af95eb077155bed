package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.CudaProbe;

/** {@code scripts/gpu-check} parses, and on this CPU build stops at once saying to rebuild with -Pcuda. */
class GpuCheckScriptTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final String SCRIPT = ROOT.resolve("scripts/gpu-check").toString();

    private record Result(int status, String output) {
    }

    private static Result bash(List<String> args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).directory(ROOT.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(args + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void theScriptParses() throws Exception {
        Result r = bash(List.of("bash", "-n", SCRIPT));
        assertEquals(0, r.status(), r.output());
    }

    @Test
    void onTheCpuBuildItStopsAtOnceSayingWhatToDo() throws Exception {
        assumeFalse(CudaProbe.detect().nativesBuilt(), "this build has the CUDA natives");
        long start = System.nanoTime();
        Result r = bash(List.of("bash", SCRIPT));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, r.status(), r.output());
        assertTrue(r.output().contains("rebuild with -Pcuda") || r.output().contains("Build the CUDA build first"),
                r.output());
        assertTrue(r.output().contains("mvn -B -Pcuda -DskipTests package"), r.output());
        assertTrue(seconds < 10, "took " + seconds + " s");
    }
}
