package org.llemma4j.data.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.indexed.DType;
import org.llemma4j.data.indexed.IndexedDataset;
import org.llemma4j.data.indexed.IndexedDatasetWriter;

class GptDatasetTest {

    @TempDir
    Path dir;

    /** The hand-worked index of {@link GptSampleIndexTest#handWorkedIndex}, read through real files. */
    @Test
    void samplesFollowTheShuffledIndex() throws Exception {
        Path prefix = write(dir.resolve("tiny"), new int[] {10, 11, 12}, new int[] {20, 21},
                new int[] {30, 31, 32, 33});
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            GptDataset samples = GptDataset.open(ds, "train", 0, 3, 5, 2, 1234);
            assertEquals(8, samples.size());
            // stream in doc_idx order [2,1,2,0,1,0]: 30 31 32 33 | 20 21 | 30 31 32 33 | 10 11 12 | 20 21 | 10 11 12;
            // unshuffled sample k starts at token 2k; training order is shuffle_idx [5,0,3,4,2,6,1,7]
            int[][] expected = {{10, 11, 12}, {30, 31, 32}, {30, 31, 32}, {32, 33, 10}, {20, 21, 30}, {12, 20, 21},
                {32, 33, 20}, {21, 10, 11}};
            for (int i = 0; i < expected.length; i++) {
                int[] got = new int[3];
                samples.sample(i, got, 0);
                assertArrayEquals(expected[i], got, "sample " + i);
            }
            int[] wrapped = new int[3];
            samples.sample(8, wrapped, 0);   // GPT-NeoX takes i % len past the end
            assertArrayEquals(expected[0], wrapped);
        }
    }

    @Test
    void indexIsCachedUnderGptNeoxNamesAndRebuiltWhenMissing() throws Exception {
        Path prefix = write(dir.resolve("tiny"), new int[] {10, 11, 12}, new int[] {20, 21},
                new int[] {30, 31, 32, 33});
        Path doc = dir.resolve("tiny_train_0_indexmap_5ns_2sl_1234s_doc_idx.npy");
        Path sample = dir.resolve("tiny_train_0_indexmap_5ns_2sl_1234s_sample_idx.npy");
        Path shuffle = dir.resolve("tiny_train_0_indexmap_5ns_2sl_1234s_shuffle_idx.npy");
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            GptDataset.open(ds, "train_0", 0, 3, 5, 2, 1234);
            assertTrue(Files.isRegularFile(doc) && Files.isRegularFile(sample) && Files.isRegularFile(shuffle));
            Npy.Array shuffleArray = Npy.read(shuffle);
            assertEquals(Npy.DType.UINT32, shuffleArray.type());
            assertEquals(Npy.DType.INT32, Npy.read(sample).type());
            assertArrayEquals(new long[] {9, 2}, Npy.read(sample).shape());
            // a deleted file is rebuilt, identical
            byte[] before = Files.readAllBytes(shuffle);
            Files.delete(shuffle);
            GptDataset again = GptDataset.open(ds, "train_0", 0, 3, 5, 2, 1234);
            assertArrayEquals(before, Files.readAllBytes(shuffle));
            assertEquals(5, again.shuffleIdx(0));
            // no temporary files left behind
            try (Stream<Path> files = Files.list(dir)) {
                assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
            }
        }
    }

    @Test
    void concurrentBuildersDoNotCorruptTheCache() throws Exception {
        int[][] docs = new int[300][];
        for (int d = 0; d < docs.length; d++) {
            docs[d] = new int[1 + d % 37];
            java.util.Arrays.fill(docs[d], d);
        }
        Path prefix = write(dir.resolve("many"), docs);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    GptDataset g = GptDataset.open(ds, "train", 0, 300, 4000, 16, 7);
                    return new long[] {g.size(), g.shuffleIdx(0), g.shuffleIdx(g.size() - 1), g.docIdx(17)};
                }));
            }
            long[] first = results.get(0).get();
            for (Future<long[]> f : results) {
                assertArrayEquals(first, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCacheOfOtherDataIsReportedWithTheFile() throws Exception {
        Path prefix = write(dir.resolve("tiny"), new int[] {10, 11, 12}, new int[] {20, 21},
                new int[] {30, 31, 32, 33});
        Path doc = dir.resolve("tiny_train_indexmap_5ns_2sl_1234s_doc_idx.npy");
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            GptDataset.open(ds, "train", 0, 3, 5, 2, 1234);
            Npy.write(doc, Npy.DType.INT32, new long[] {4}, Npy.LongIndexed.of(new int[] {0, 1, 2, 0}));
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> GptDataset.open(ds, "train", 0, 3, 5, 2, 1234));
            assertEquals(doc + ": doc_idx has 4 entries, not a multiple of the 3 documents of " + prefix
                    + "; the cache belongs to other data (delete it)", e.getMessage());
        }
    }

    @Test
    void splitRangesUseOnlyTheirDocuments() throws Exception {
        Path prefix = write(dir.resolve("split"), new int[] {1, 1, 1}, new int[] {2, 2}, new int[] {3, 3, 3, 3});
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            GptDataset tail = GptDataset.open(ds, "valid", 1, 3, 3, 2, 1);
            int[] s = new int[3];
            for (long i = 0; i < tail.size(); i++) {
                tail.sample(i, s, 0);
                for (int t : s) {
                    assertTrue(t == 2 || t == 3, "token " + t + " from outside documents [1, 3)");
                }
            }
        }
    }

    /** data_path + split 969,30,1 over 30 documents: train [0, 29), valid [29, 30), no test documents. */
    @Test
    void splitDataPathGivesGptNeoxRanges() throws Exception {
        int[][] docs = new int[30][];
        for (int d = 0; d < docs.length; d++) {
            docs[d] = new int[] {d, d, d};
        }
        Path prefix = write(dir.resolve("one"), docs);
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            GptDataset train = DataSets.split(DataSets.Split.TRAIN, ds, "969,30,1", 20, 4, 3).orElseThrow();
            GptDataset valid = DataSets.split(DataSets.Split.VALID, ds, "969,30,1", 2, 4, 3).orElseThrow();
            assertTrue(DataSets.split(DataSets.Split.TEST, ds, "969,30,1", 2, 4, 3).isEmpty());
            assertTrue(Files.isRegularFile(dir.resolve("one_valid_indexmap_2ns_4sl_3s_shuffle_idx.npy")));
            int[] s = new int[5];
            for (long i = 0; i < valid.size(); i++) {
                valid.sample(i, s, 0);
                for (int t : s) {
                    assertEquals(29, t);
                }
            }
            for (long i = 0; i < train.size(); i++) {
                train.sample(i, s, 0);
                for (int t : s) {
                    assertTrue(t < 29, "train sample " + i + " holds document " + t);
                }
            }
        }
    }

    static Path write(Path prefix, int[]... documents) throws Exception {
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(prefix, DType.UINT16)) {
            for (int[] d : documents) {
                w.addDocument(d, 0, d.length);
            }
            w.commit();
        }
        return prefix;
    }
}
