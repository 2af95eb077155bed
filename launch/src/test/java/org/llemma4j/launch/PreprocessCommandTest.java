package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code launch preprocess} through the CLI: it rebuilds a committed sample dataset byte for byte. */
class PreprocessCommandTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final Path FIXTURES = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"))
            .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void rebuildsTheCommittedArxivValidationSample() throws Exception {
        LaunchRun r = LaunchRun.of("preprocess",
                "--input", FIXTURES.resolve("proof-pile-2-mini/arxiv/validation").toString(),
                "--tokenizer", FIXTURES.resolve("tokenizers/llama2-spm/tokenizer.model").toString(),
                "--output-prefix", dir.resolve("arxiv").toString(), "--append-eod", "--workers", "2");
        assertEquals(0, r.status(), r.err());
        for (String ext : new String[] {".bin", ".idx"}) {
            assertArrayEquals(Files.readAllBytes(ROOT.resolve("data/sample/validation/arxiv_text_document" + ext)),
                    Files.readAllBytes(dir.resolve("arxiv_text_document" + ext)), ext);
        }
    }

    @Test
    void aMissingTokenizerIsAUsageError() {
        LaunchRun r = LaunchRun.of("preprocess",
                "--input", FIXTURES.resolve("proof-pile-2-mini/arxiv/validation").toString(),
                "--output-prefix", dir.resolve("x").toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("launch preprocess: "), r.err());
        assertTrue(r.err().contains("tokenizer"), r.err());
    }
}
