package org.llemma4j.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.llemma4j.data.index.Samples;

class BatchLoaderTest {

    /** Sample i is [i, i, i] (seq_length 2); records which samples were read. */
    static class Indexed implements Samples {
        final long size;
        final Set<Long> read = ConcurrentHashMap.newKeySet();

        Indexed(long size) {
            this.size = size;
        }

        public long size() {
            return size;
        }

        public int seqLength() {
            return 2;
        }

        public void sample(long i, int[] dst, int off) {
            read.add(i);
            dst[off] = (int) i;
            dst[off + 1] = (int) i;
            dst[off + 2] = (int) i;
        }

        public String describe() {
            return "indexed";
        }
    }

    private static List<Integer> firstTokens(BatchLoader loader, int microSteps, int micro) {
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < microSteps; s++) {
            int[] rows = loader.nextMicroBatch();
            assertEquals(micro * 3, rows.length);
            for (int k = 0; k < micro; k++) {
                out.add(rows[k * 3]);
            }
        }
        return out;
    }

    /** micro 2, accumulation 2, dp 2: G = 8; micro-step m of batch b covers [8b + 4m, 8b + 4m + 4). */
    @Test
    void ranksReadTheirSlicesMicroStepMajor() {
        Indexed source = new Indexed(100);
        try (BatchLoader r0 = new BatchLoader(source, 2, 2, 2, 0, 3, 0);
             BatchLoader r1 = new BatchLoader(new Indexed(100), 2, 2, 2, 1, 3, 0)) {
            assertEquals(List.of(0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21), firstTokens(r0, 6, 2));
            assertEquals(List.of(2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23), firstTokens(r1, 6, 2));
            assertEquals(24, r0.consumedSamples());
            IllegalStateException done = assertThrows(IllegalStateException.class, r0::nextMicroBatch);
            assertEquals("all 3 global batches have been served", done.getMessage());
        }
        // rank 0 never read rank 1's rows
        assertTrue(source.read.stream().allMatch(i -> i % 4 < 2), source.read.toString());
    }

    @Test
    void dp2AtMicroMSeesTheSamplesOfDp1At2m() {
        List<Integer> single = firstTokens(new BatchLoader(new Indexed(100), 4, 1, 1, 0, 4, 0), 4, 4);
        List<Integer> rank0 = firstTokens(new BatchLoader(new Indexed(100), 2, 1, 2, 0, 4, 0), 4, 2);
        List<Integer> rank1 = firstTokens(new BatchLoader(new Indexed(100), 2, 1, 2, 1, 4, 0), 4, 2);
        List<Integer> merged = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            merged.addAll(rank0.subList(2 * s, 2 * s + 2));
            merged.addAll(rank1.subList(2 * s, 2 * s + 2));
        }
        assertEquals(single, merged);
    }

    @Test
    void resumingAtConsumedSamplesContinuesExactly() {
        BatchLoader whole = new BatchLoader(new Indexed(100), 3, 2, 1, 0, 5, 0);
        List<Integer> all = firstTokens(whole, 10, 3);
        BatchLoader first = new BatchLoader(new Indexed(100), 3, 2, 1, 0, 5, 0);
        firstTokens(first, 4, 3);
        long consumed = first.consumedSamples();
        assertEquals(12, consumed);
        BatchLoader resumed = new BatchLoader(new Indexed(100), 3, 2, 1, 0, 5, consumed);
        assertEquals(all.subList(4 * 3, 10 * 3), firstTokens(resumed, 6, 3));
        int[] again = new BatchLoader(new Indexed(100), 3, 2, 1, 0, 5, 6).nextMicroBatch();
        assertArrayEquals(new int[] {6, 6, 6, 7, 7, 7, 8, 8, 8}, again);
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(new Indexed(10), 2, 1, 1, 0, 6, 0));
        assertEquals("indexed holds 10 samples, fewer than 6 global batches of 2 = 12", small.getMessage());
        IllegalArgumentException offBatch = assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(new Indexed(100), 2, 2, 1, 0, 6, 3));
        assertEquals("consumed_samples 3 is not a multiple of the global batch size 4 (micro 2 x accumulation 2 x "
                + "dp 1)", offBatch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(new Indexed(100), 2, 2, 2, 2, 6, 0));
    }

    @Test
    void readErrorsReachTheTrainer() {
        Samples failing = new Indexed(100) {
            @Override
            public void sample(long i, int[] dst, int off) {
                throw new IllegalStateException("disk gone at sample " + i);
            }
        };
        try (BatchLoader loader = new BatchLoader(failing, 1, 1, 1, 0, 2, 0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, loader::nextMicroBatch);
            assertEquals("disk gone at sample 0", e.getMessage());
        }
    }
}
