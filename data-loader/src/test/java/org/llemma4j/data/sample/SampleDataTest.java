package org.llemma4j.data.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.Fixtures;
import org.llemma4j.data.indexed.DType;
import org.llemma4j.data.indexed.IndexedDataset;

/** The committed data/sample/ is what MakeSampleData produces, and its NOTICE matches its contents. */
class SampleDataTest {

    static Path sampleDir() {
        String root = System.getProperty("project.root");
        return (root != null ? Paths.get(root) : Paths.get("..")).resolve("data/sample").normalize();
    }

    static List<String> datasets() {
        List<String> out = new ArrayList<>();
        for (String s : MakeSampleData.SUBSETS) {
            out.add(s + "_text_document");
        }
        for (String s : MakeSampleData.SUBSETS) {
            out.add("validation/" + s + "_text_document");
        }
        return out;
    }

    @Test
    void committedDatasetsAreWellFormedAndMatchTheNotice() throws Exception {
        Path dir = sampleDir();
        String notice = Files.readString(dir.resolve("NOTICE"));
        assertTrue(notice.contains("NOT included"), "NOTICE says the tokenizer is not committed");
        long totalBytes = 0;
        for (String name : datasets()) {
            try (IndexedDataset ds = IndexedDataset.open(dir.resolve(name))) {
                assertEquals(DType.UINT16, ds.dtype(), name);
                Matcher m = Pattern.compile(Pattern.quote(name) + "  \\(from \\S+: (\\d+) documents, (\\d+) tokens\\)")
                        .matcher(notice);
                assertTrue(m.find(), "NOTICE has a section for " + name);
                assertEquals(Long.parseLong(m.group(1)), ds.documentCount(), name);
                assertEquals(Long.parseLong(m.group(2)), ds.tokenCount(), name);
                for (long i = 0; i < ds.sequenceCount(); i++) {
                    int[] seq = ds.readSequence(i);
                    assertEquals(2, seq[seq.length - 1], name + " sequence " + i + " ends with EOD");
                    for (int t : seq) {
                        assertTrue(t >= 0 && t < 32000, name + ": token " + t);
                    }
                }
                if (!name.startsWith("validation/")) {
                    assertTrue(ds.tokenCount() >= 300_000 && ds.tokenCount() <= 450_000, name + ": " + ds.tokenCount());
                }
                totalBytes += Files.size(IndexedDataset.binPath(ds.prefix()))
                        + Files.size(IndexedDataset.idxPath(ds.prefix()));
            }
        }
        assertTrue(totalBytes < 3_000_000, "sample data is " + totalBytes + " bytes");
    }

    @Test
    void regeneratingGivesTheCommittedBytes(@TempDir Path tmp) throws Exception {
        MakeSampleData.make(Fixtures.dir(), tmp, 2);
        Path dir = sampleDir();
        for (String name : datasets()) {
            for (Path p : List.of(IndexedDataset.binPath(Paths.get(name)), IndexedDataset.idxPath(Paths.get(name)))) {
                assertArrayEquals(Files.readAllBytes(dir.resolve(p)), Files.readAllBytes(tmp.resolve(p)), p.toString());
            }
        }
        assertEquals(Files.readString(dir.resolve("NOTICE")), Files.readString(tmp.resolve("NOTICE")));
        try (Stream<Path> left = Files.walk(tmp)) {
            assertEquals(0, left.filter(p -> p.toString().endsWith(".tmp")).count(), "no temporary files left");
        }
    }
}
