package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/** Reads and writes free their native memory: the resident size stays flat over many of them. */
class NativeMemoryTest {

    @TempDir
    Path dir;

    private static long rssBytes() throws Exception {
        String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        return Long.parseLong(statm[1]) * 4096;
    }

    @Test
    void repeatedReshardingReadsKeepResidentMemoryFlat() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        // A 4 MB fp32 embedding per read: a leak of every read would add 1.2 GB over 300 iterations.
        ParamSpec big = new ParamSpec("model.embed_tokens.weight", new long[] {4096, 256},
                ShardDim.ROWS);
        Path tmp = store.beginSave(1);
        ShardWriter writer = new ShardWriter(tmp, new ParallelLayout(2, 1, 0));
        writer.writeModel(0, List.of(big), SafetensorsDtype.F32,
                name -> TestTensors.arange(ScalarType.Float, 0, 2048, 256));
        writer.writeModel(1, List.of(big), SafetensorsDtype.F32,
                name -> TestTensors.arange(ScalarType.Float, 1, 2048, 256));
        store.commit(tmp, Manifest.forSave(1, 0, null, Map.of(), Map.of(),
                new ParallelLayout(2, 1, 0)));
        try (CheckpointReader r = store.open(store.latest().orElseThrow())) {
            for (int i = 0; i < 50; i++) {               // warm up allocator caches and the file mapping
                try (PointerScope scope = new PointerScope()) {
                    r.readShard(big.name(), 1, 0);
                }
            }
            long before = rssBytes();
            for (int i = 0; i < 300; i++) {
                try (PointerScope scope = new PointerScope()) {
                    r.readShard(big.name(), 1, 0);
                    r.readShard(big.name(), 4, 3);
                }
            }
            long grown = rssBytes() - before;
            assertTrue(grown < 64L << 20, "resident size grew by " + (grown >> 20) + " MB over 300 reads");
        }
    }
}
