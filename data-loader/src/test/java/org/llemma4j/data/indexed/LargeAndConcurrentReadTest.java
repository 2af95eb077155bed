package org.llemma4j.data.indexed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LargeAndConcurrentReadTest {

    @TempDir
    Path tmp;

    /**
     * A 2.8 GB int32 dataset made as a sparse file (no real disk use): reads across the 2 GiB boundary, where a
     * single MappedByteBuffer would fail, and at the very end.
     */
    @Test
    void readsBeyondTwoGigabytes() throws Exception {
        Path prefix = tmp.resolve("huge");
        int tokens = 700_000_000;
        long binBytes = 4L * tokens;
        ByteBuffer idx = ByteBuffer.allocate(34 + 12 + 16).order(ByteOrder.LITTLE_ENDIAN);
        idx.put(IndexFormat.MAGIC).putLong(1).put((byte) DType.INT32.code()).putLong(1).putLong(2)
                .putInt(tokens).putLong(0).putLong(0).putLong(1);
        Files.write(IndexedDataset.idxPath(prefix), idx.array());
        long boundary = 1L << 31;
        try (RandomAccessFile f = new RandomAccessFile(IndexedDataset.binPath(prefix).toFile(), "rw")) {
            f.setLength(binBytes);
            writeInts(f, boundary - 8, new int[] {11, 12, 13, 14});
            writeInts(f, binBytes - 8, new int[] {98, 99});
        }
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            assertEquals(tokens, ds.tokenCount());
            int[] window = new int[6];
            ds.readTokens(boundary / 4 - 3, window, 0, 6);
            assertArrayEquals(new int[] {0, 11, 12, 13, 14, 0}, window);
            int[] tail = new int[3];
            ds.readTokens(tokens - 3, tail, 0, 3);
            assertArrayEquals(new int[] {0, 98, 99}, tail);
        }
    }

    private static void writeInts(RandomAccessFile f, long at, int[] values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        f.seek(at);
        f.write(b.array());
    }

    /** Several threads read random windows of one shared reader (mapped in small chunks) and agree with a copy. */
    @Test
    void concurrentReadersSeeTheSameTokens() throws Exception {
        try (IndexedDataset ds = IndexedDataset.open(IndexedDatasetFixtureTest.AG_NEWS, 64)) {
            int n = (int) ds.tokenCount();
            int[] all = new int[n];
            ds.readTokens(0, all, 0, n);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long seed = t;
                    results.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        int[] w = new int[129];
                        int checked = 0;
                        for (int k = 0; k < 20_000; k++) {
                            int start = r.nextInt(n - w.length);
                            ds.readTokens(start, w, 0, w.length);
                            for (int i = 0; i < w.length; i++) {
                                if (w[i] != all[start + i]) {
                                    throw new AssertionError("token " + (start + i) + " read as " + w[i]);
                                }
                            }
                            checked++;
                        }
                        return checked;
                    }));
                }
                for (Future<Integer> f : results) {
                    assertEquals(20_000, f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
