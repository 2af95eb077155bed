package org.llemma4j.data.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.Fixtures;
import org.llemma4j.data.indexed.IndexedDataset;

class BlendingTest {

    @TempDir
    Path dir;

    /** Samples that are just their own index, so the blend's choices are visible. */
    record Counting(long size, int tag) implements Samples {
        public int seqLength() {
            return 1;
        }

        public void sample(long i, int[] dst, int off) {
            dst[off] = tag;
            dst[off + 1] = (int) i;
        }

        public String describe() {
            return "counting " + tag;
        }
    }

    /**
     * Weights 2:4:1 (normalized 2/7, 4/7, 1/7), by hand, error_d = w_d x max(i, 1) - taken_d:
     * i=0 (x=1): 2/7, 4/7, 1/7 -> 1; i=1 (x=1): 2/7, -3/7, 1/7 -> 0; i=2: -3/7, 1/7, 2/7 -> 2;
     * i=3: -1/7, 5/7, -4/7 -> 1; i=4: 1/7, 2/7, -3/7 -> 1; i=5: 3/7, -1/7, -2/7 -> 0; i=6: -2/7, 3/7, -1/7 -> 1.
     */
    @Test
    void greedyRuleByHand() throws Exception {
        BlendedDataset b = new BlendedDataset(List.of(new Counting(3, 0), new Counting(3, 1), new Counting(1, 2)),
                List.of(2.0 / 7, 4.0 / 7, 1.0 / 7));
        assertEquals(7, b.size());
        int[] expected = {1, 0, 2, 1, 1, 0, 1};
        long[] positions = {0, 0, 0, 1, 2, 1, 3};
        for (int i = 0; i < 7; i++) {
            assertEquals(expected[i], b.datasetIndex(i), "dataset of sample " + i);
            assertEquals(positions[i], b.datasetSampleIndex(i), "position of sample " + i);
            int[] s = new int[2];
            b.sample(i, s, 0);
            assertArrayEquals(new int[] {expected[i], (int) positions[i]}, s);
        }
    }

    @Test
    void positionsAcrossBlocksMatchADirectCount() {
        List<Samples> parts = List.of(new Counting(5000, 0), new Counting(3000, 1), new Counting(2000, 2));
        BlendedDataset b = new BlendedDataset(parts, List.of(0.5, 0.3, 0.2));
        long[] taken = new long[3];
        for (long i = 0; i < b.size(); i++) {
            int d = b.datasetIndex(i);
            assertEquals(taken[d]++, b.datasetSampleIndex(i), "sample " + i);
        }
        // shares stay within one sample of the weights
        assertTrue(Math.abs(taken[0] - 5000) <= 1 && Math.abs(taken[1] - 3000) <= 1, java.util.Arrays.toString(taken));
    }

    @Test
    void weightedSampleCountsHaveTheHalfPercentSpare() {
        double[] w = BlendedDataset.normalize(List.of(2.0, 4.0, 1.0));
        assertArrayEquals(new long[] {2872, 5743, 1436}, DataSets.weightedNumSamples(w, 10000));
        // ceil(10000 * 2/7 * 1.005) = ceil(2871.43) = 2872 ...
    }

    @Test
    void splitBoundariesFollowGptNeox() {
        assertArrayEquals(new long[] {0, 969, 999, 1000}, DataSets.splitIndex("969,30,1", 1000));
        assertArrayEquals(new long[] {0, 24, 25, 25}, DataSets.splitIndex("969,30,1", 25));
        assertArrayEquals(new long[] {0, 3, 5, 5}, DataSets.splitIndex("1,1", 5));   // 2.5 rounds to 2 (half-even)
        assertArrayEquals(new long[] {0, 4, 7, 10}, DataSets.splitIndex("1/1/1", 10));
        assertArrayEquals(new long[] {0, 10, 10, 10}, DataSets.splitIndex("100", 10));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> DataSets.splitIndex("969,x,1", 10));
        assertEquals("split '969,x,1': 'x' is not a number; write proportions such as 969,30,1", bad.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> DataSets.splitIndex("0,0,0", 10));
        assertEquals("split '0,0,0': the proportions sum to 0", zero.getMessage());
    }

    @Test
    void badWeightsAreRejectedWithTheirValues() throws Exception {
        List<IndexedDataset> two = open(2);
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> DataSets.weighted(DataSets.Split.TRAIN, "train_data_paths", two, List.of(1.0), 10, 2, 1));
        assertEquals("train_data_paths names 2 datasets but its weights list 1 values [1.0]; give one weight per "
                + "path", mismatch.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> DataSets.weighted(DataSets.Split.TRAIN, "train_data_paths", two, List.of(1.0, -2.0), 10, 2, 1));
        assertEquals("dataset weight -2.0 in [1.0, -2.0] is negative or not a finite number", negative.getMessage());
        IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class,
                () -> DataSets.weighted(DataSets.Split.TRAIN, "train_data_paths", two, List.of(0.0, 0.0), 10, 2, 1));
        assertEquals("dataset weights [0.0, 0.0] are all zero", zeros.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> DataSets.weighted(DataSets.Split.VALID, "valid_data_paths", List.of(), List.of(), 10, 2, 1));
        assertEquals("valid_data_paths is empty: no datasets to draw valid samples from", none.getMessage());
    }

    @Test
    void anEmptyDatasetIsNamed() throws Exception {
        Path prefix = Fixtures.resolve("megatron/empty").resolve(emptyName());
        try (IndexedDataset empty = IndexedDataset.open(prefix)) {
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> DataSets.weighted(
                    DataSets.Split.TRAIN, "train_data_paths", List.of(empty), List.of(1.0), 10, 2, 1));
            assertEquals(IndexedDataset.idxPath(prefix) + ": the dataset is empty (0 documents, 0 tokens); it cannot "
                    + "give samples", e.getMessage());
        }
    }

    @Test
    void tokensOutsideTheVocabularyAreFoundOnce() throws Exception {
        Path prefix = GptDatasetTest.write(dir.resolve("v"), new int[] {1, 2, 3}, new int[] {4, 40000, 5});
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            DataSets.checkVocabulary(ds, 40001);
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> DataSets.checkVocabulary(ds, 32016));
            assertEquals(IndexedDataset.binPath(prefix) + ": token id 40000 at token 4 is outside the model's "
                    + "vocabulary [0, 32016) (vocab_size 32016); was the data tokenized with another tokenizer?",
                    e.getMessage());
        }
    }

    @Test
    void weightedBlendOfRealSamples() throws Exception {
        List<IndexedDataset> ds = open(2);
        BlendedDataset b = DataSets.weighted(DataSets.Split.TRAIN, "train_data_paths", ds, List.of(1.0, 3.0), 40, 4, 9);
        // each part asked ceil(40 x w x 1.005): 11 and 31 samples; the blend holds all samples of both indexes
        assertEquals(b.parts().get(0).size() + b.parts().get(1).size(), b.size());
        assertTrue(dir.resolve("d0_train_0_indexmap_11ns_4sl_9s_doc_idx.npy").toFile().isFile());
        assertTrue(dir.resolve("d1_train_1_indexmap_31ns_4sl_9s_shuffle_idx.npy").toFile().isFile());
        int ones = 0;
        for (int i = 0; i < 40; i++) {
            ones += b.datasetIndex(i);
        }
        assertEquals(30, ones);
    }

    private List<IndexedDataset> open(int n) throws Exception {
        List<IndexedDataset> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[][] docs = new int[20][];
            for (int d = 0; d < docs.length; d++) {
                docs[d] = new int[] {i * 100 + d, i * 100 + d, 7};
            }
            out.add(IndexedDataset.open(GptDatasetTest.write(dir.resolve("d" + i), docs)));
        }
        return out;
    }

    private static String emptyName() throws Exception {
        try (var files = java.nio.file.Files.list(Fixtures.resolve("megatron/empty"))) {
            String idx = files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".idx")).findFirst()
                    .orElseThrow();
            return idx.substring(0, idx.length() - 4);
        }
    }
}
