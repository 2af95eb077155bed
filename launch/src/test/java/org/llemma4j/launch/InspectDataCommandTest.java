package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code launch inspect-data} on configs/tiny.yaml and a copy of the sample data. The expected samples come from
 * NumPy running GPT-NeoX's algorithms (RandomState(1234) shuffles, the sample cutting, the 1.005 spare and the
 * greedy blend) on the same files: 1600 samples asked (200 iterations x 8), parts asked 460 / 919 / 230, blend of
 * 4333 samples.
 */
class InspectDataCommandTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void copyTinyConfigAndData() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/sample"));
        try (Stream<Path> files = Files.list(ROOT.resolve("data/sample"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".bin") || p.toString().endsWith(".idx")).toList()) {
                Files.copy(f, data.resolve(f.getFileName()));
            }
        }
        Files.createDirectories(data.resolve("validation"));
        try (Stream<Path> files = Files.list(ROOT.resolve("data/sample/validation"))) {
            for (Path f : files.toList()) {
                Files.copy(f, data.resolve("validation").resolve(f.getFileName()));
            }
        }
        config = dir.resolve("tiny.yaml");
        // relative data paths resolve against the working directory; point them at the copy
        Files.writeString(config, Files.readString(ROOT.resolve("configs/tiny.yaml"))
                .replace(" data/sample/", " " + data.toString() + "/"));
    }

    @Test
    void firstSamplesMatchGptNeoxOrderComputedWithNumpy() throws Exception {
        // The numpy oracle was computed for a blend of 200 x 8 samples (the sample order depends on the count).
        String[] first50 = {"inspect-data", "--config", config.toString(), "--set", "train_iters=200", "--first", "50"};
        LaunchRun r = LaunchRun.of(first50);
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(50, lines.size());
        assertTrue(lines.get(0).startsWith("[304,278,1532,2998,7063,10241,306,3282,"), lines.get(0));
        assertTrue(lines.get(1).startsWith("[29905,517,350,29913,313,29888,1194,29876,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("[262,319,29897,869,13,28116,29889,491,"), lines.get(2));
        long checksum = 0;
        for (int i = 0; i < lines.size(); i++) {
            String row = lines.get(i);
            String[] ids = row.substring(1, row.length() - 1).split(",");
            assertEquals(257, ids.length);
            long rowSum = 0;
            for (int k = 0; k < ids.length; k++) {
                rowSum += Long.parseLong(ids[k]) * (k + 1);
            }
            checksum = (checksum + rowSum % 1_000_000_007L * (i + 1)) % 1_000_000_007L;
        }
        assertEquals(837651153L, checksum);
        Path cache = dir.resolve(
                "data/sample/open-web-math_text_document_train_1_indexmap_919ns_256sl_1234s_doc_idx.npy");
        assertTrue(Files.isRegularFile(cache), "GPT-NeoX-named cache next to the data");
        // a second run reads the cache and prints the same
        assertEquals(r.out(), LaunchRun.of(first50).out());
    }

    @Test
    void badDataIsReportedOnce() throws Exception {
        LaunchRun vocab = LaunchRun.of("inspect-data", "--config", config.toString(), "--set", "vocab_size=1000");
        assertEquals(2, vocab.status());
        assertTrue(vocab.err().contains("arxiv_text_document.bin: token id ") && vocab.err().contains(
                "is outside the model's vocabulary [0, 1000) (vocab_size 1000)"), vocab.err());
        LaunchRun tooMany = LaunchRun.of("inspect-data", "--config", config.toString(), "--first", "5000");
        assertEquals(2, tooMany.status());
        assertTrue(tooMany.err().contains("--first 5000 is more than the 4333 samples of blend of"), tooMany.err());
    }

    @Test
    void benchmarkServesBatchesAndReportsTheRate() {
        LaunchRun r = LaunchRun.of("inspect-data", "--config", config.toString(), "--benchmark", "20");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("served 20 global batches (8 samples of 257 tokens per rank each) in "), r.out());
        LaunchRun bad = LaunchRun.of("inspect-data", "--config", config.toString(), "--benchmark", "101");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--benchmark 101 must be in [1, train_iters = 100]"), bad.err());
    }

    @Test
    void inspectDataAndPreprocessAreRegistered() {
        assertTrue(Launch.commands().containsKey("inspect-data"));
        assertTrue(Launch.commands().containsKey("preprocess"));
        LaunchRun help = LaunchRun.of("--help");
        assertTrue(help.out().contains("inspect-data") && help.out().contains("preprocess"), help.out());
    }
}
