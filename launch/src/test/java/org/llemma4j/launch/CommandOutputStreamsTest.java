package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code generate} and {@code preprocess} in a JVM of their own, as a user runs them (the logging configuration
 * and the native libraries load there as in production): stdout carries only the command's output, and no library
 * line, least of all a CUDA warning on this CPU build, comes before it. On a machine with the CUDA toolkit but no
 * driver, DJL's tokenizer loader used to print such a warning and a platform line on stdout.
 */
class CommandOutputStreamsTest {

    private static final Path FIXTURES = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"))
            .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private record Streams(int status, String out, String err) {
    }

    private Streams launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launch.class.getName()));
        command.addAll(List.of(args));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launch " + args[0] + " did not finish in 120 s: " + Files.readString(err));
        }
        return new Streams(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void generatePrintsOnlyTheIdsOnStdout() throws Exception {
        Streams s = launch("generate", "--hf", FIXTURES.resolve("hf-llama/stories260K-gqa").toString(),
                "--prompt-ids", "1 403 407 261", "--max-new-tokens", "12", "--eos-id", "-1");
        assertEquals(0, s.status(), s.err());
        assertTrue(s.out().matches("(\\d+ ){11}\\d+\n"), "stdout is one line of 12 ids:\n" + s.out());
        assertTrue(s.err().contains("4 prompt + 12 new tokens in "), s.err());
        assertNoCudaWarning(s.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2-spm/tokenizer.model", "tokenizers/mistral-hf/tokenizer.json"})
    void preprocessPrintsNothingOnStdout(String tokenizer) throws Exception {
        Streams s = launch("preprocess", "--input", FIXTURES.resolve("proof-pile-2-mini/arxiv/validation").toString(),
                "--tokenizer", FIXTURES.resolve(tokenizer).toString(), "--output-prefix", dir.resolve("a").toString(),
                "--workers", "2");
        assertEquals(0, s.status(), s.err());
        assertEquals("", s.out());
        assertTrue(s.err().startsWith("preprocess: wrote " + dir.resolve("a") + "_text_document.{bin,idx}"), s.err());
        assertNoCudaWarning(s.err());
    }

    private static void assertNoCudaWarning(String err) {
        assertFalse(err.contains("CUDA") || err.contains("GPU"), "a CPU build says nothing about CUDA:\n" + err);
    }
}
