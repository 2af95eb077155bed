package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.ShardDim;

/** manifest.json: what is written reads back the same, and a bad one is refused naming the file. */
class ManifestTest {

    @TempDir
    Path dir;

    @Test
    void manifestSurvivesJsonRoundTrip() throws Exception {
        TensorEntry w = new TensorEntry("BF16", new long[] {2, 2},
                ShardDim.COLUMNS, List.of(new SliceLocation("f", "w", 0, 2, 0, 4)));
        Manifest m = TinyModel.state(3, new ParallelLayout(2, 2, 1))
                .withIndex(Map.of("w", w), Map.of("f", new FileEntry(10, "0000abcd")));
        Path f = dir.resolve("m.json");
        Files.write(f, m.toJson());
        Manifest back = Manifest.read(f);
        assertEquals(new String(m.toJson()), new String(back.toJson()));
        assertEquals(m.tensors(), back.tensors());
        assertEquals(m.files(), back.files());
        assertEquals(m.lrScheduler(), back.lrScheduler());
    }

    @Test
    void badManifestsAreRefusedWithTheFileName() throws Exception {
        Path step = dir.resolve("step-000001");
        Files.createDirectories(step);
        Path mf = step.resolve("manifest.json");
        CheckpointStore store = new CheckpointStore(dir);
        assertEquals(mf + ": no such file", assertThrows(CheckpointException.class,
                () -> store.readManifest(step)).getMessage());
        Files.writeString(mf, "{\"format_version\": 1, \"step\": ");
        assertTrue(assertThrows(CheckpointException.class, () -> store.readManifest(step)).getMessage()
                .startsWith(mf + ": not a valid manifest: "));
        Files.writeString(mf,
                "{\"format_version\": 9, \"step\": 1, \"parallel\": {\"tp\": 1, \"dp\": 1, \"zero_stage\": 0}}");
        assertEquals(mf + ": format_version 9 is not supported (this build reads 1..1)",
                assertThrows(CheckpointException.class, () -> store.readManifest(step)).getMessage());
        Files.writeString(mf, "{\"format_version\": 1, \"step\": 1}");
        assertEquals(mf + ": missing \"parallel\"",
                assertThrows(CheckpointException.class, () -> store.readManifest(step)).getMessage());
    }
}
