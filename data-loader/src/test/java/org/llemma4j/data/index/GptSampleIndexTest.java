package org.llemma4j.data.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.llemma4j.data.indexed.IndexedDataset;

class GptSampleIndexTest {

    /**
     * Worked by hand. Documents of 3, 2 and 4 tokens (9 per epoch), seq_length 2, 5 samples asked: one epoch gives
     * (9 - 1) / 2 = 4 samples, two give (18 - 1) / 2 = 8 >= 5, so 2 epochs.
     *
     * <p>RandomState(1234)'s first words are 822569775, 2137449171, 2671936806, 3512589365, 1880026316, 2629000564,
     * 3373089432, 3312965625, 3349970575, 3696548529, 1170776343, 646980841, 1187404954, 852631582, 3444014763,
     * 3501098142, ... Shuffling doc_idx [0,1,2,0,1,2]: i=5, mask 7: 822569775&7=7 > 5 rejected, 2137449171&7=3,
     * swap 5,3 -> [0,1,2,2,1,0]; i=4: 6 and 5 rejected, 4 -> no change; i=3, mask 3: 0 -> swap 3,0
     * -> [2,1,2,0,1,0]; i=2: 0 -> swap 2,0 (both 2); i=1, mask 1: 1 -> no change. doc_idx = [2,1,2,0,1,0].
     *
     * <p>Document lengths in that order are 4,2,4,3,2,3 (starting at stream positions 0,4,6,10,13,15). Samples start
     * every 2 tokens and end on the next one's first token, so sample_idx rows are stream positions 0,2,...,16 as
     * (doc_idx position, offset): (0,0) (0,2) (1,0) (2,0) (2,2) (3,0) (3,2) (4,1) (5,1).
     *
     * <p>Shuffling 0..7 continues the stream at word 9: i=7: 3349970575&7=7 no change; i=6: 3696548529&7=1,
     * swap 6,1 -> [0,6,2,3,4,5,1,7]; i=5: 7 rejected, 646980841&7=1, swap 5,1 -> [0,5,2,3,4,6,1,7]; i=4:
     * 1187404954&7=2, swap 4,2 -> [0,5,4,3,2,6,1,7]; i=3, mask 3: 852631582&3=2, swap 3,2 -> [0,5,3,4,2,6,1,7];
     * i=2: 3 rejected, 2 no change; i=1: the next word is even, swap 1,0 -> [5,0,3,4,2,6,1,7]. NumPy agrees.
     */
    @Test
    void handWorkedIndex() {
        GptSampleIndex index = GptSampleIndex.build("test", new int[] {3, 2, 4}, 0, 3, 5, 2, 1234);
        assertEquals(2, index.epochs());
        assertArrayEquals(new int[] {2, 1, 2, 0, 1, 0}, index.docIdx());
        assertArrayEquals(new long[] {0, 0, 0, 2, 1, 0, 2, 0, 2, 2, 3, 0, 3, 2, 4, 1, 5, 1}, index.sampleIdx());
        assertArrayEquals(new int[] {5, 0, 3, 4, 2, 6, 1, 7}, index.shuffleIdx());
        assertEquals(8, index.samples());
    }

    @Test
    void epochsAreTheFewestThatCoverTheSamples() {
        // (E*T - 1) / S >= n: T = 9, S = 2
        assertEquals(1, GptSampleIndex.numEpochs("x", 9, 2, 4));
        assertEquals(2, GptSampleIndex.numEpochs("x", 9, 2, 5));
        assertEquals(1, GptSampleIndex.numEpochs("x", 9, 2, 0));
        assertEquals(3, GptSampleIndex.numEpochs("x", 10, 10, 2));   // 30 - 1 = 29 >= 20, 20 - 1 = 19 < 20
    }

    /**
     * A real dataset (the committed OpenWebMath sample, 368 documents) against the same arrays built by NumPy with
     * GPT-NeoX's algorithm: first values and checksums sum(a[i] x i) mod (10^9 + 7).
     */
    @Test
    void matchesNumpyOnTheSampleData() throws Exception {
        Path prefix = sampleData().resolve("open-web-math_text_document");
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            GptSampleIndex index = GptSampleIndex.build("owm", ds.sequenceLengths(), 0, 368, 5000, 256, 1234);
            assertEquals(4, index.epochs());
            assertEquals(1472, index.docIdx().length);
            assertEquals(5630, index.samples());
            assertArrayEquals(new int[] {152, 286, 347, 142, 51, 338, 328, 180, 98, 168},
                    java.util.Arrays.copyOf(index.docIdx(), 10));
            assertArrayEquals(new int[] {1129, 4300, 2672, 362, 2729, 38, 3237, 3911, 1710, 5080},
                    java.util.Arrays.copyOf(index.shuffleIdx(), 10));
            assertArrayEquals(new long[] {0, 0, 0, 256, 0, 512, 1, 196, 1, 452, 1, 708},
                    java.util.Arrays.copyOf(index.sampleIdx(), 12));
            long m = 1_000_000_007L;
            long doc = 0;
            for (int i = 0; i < index.docIdx().length; i++) {
                doc = (doc + (long) index.docIdx()[i] * i) % m;
            }
            long shuffle = 0;
            for (int i = 0; i < index.shuffleIdx().length; i++) {
                shuffle = (shuffle + (long) index.shuffleIdx()[i] * i) % m;
            }
            long sample = 0;
            for (int r = 0; r < index.sampleIdx().length / 2; r++) {
                sample = (sample + (index.sampleIdx()[2 * r] * 3 + index.sampleIdx()[2 * r + 1] * 7) * r) % m;
            }
            assertEquals(197584753L, doc);
            assertEquals(912258617L, shuffle);
            assertEquals(323434526L, sample);
        }
    }

    @Test
    void unreachableSampleCountsAreRejected() {
        IllegalArgumentException noTokens = assertThrows(IllegalArgumentException.class,
                () -> GptSampleIndex.build("data/x", new int[] {0, 0}, 0, 2, 10, 4, 1));
        assertEquals("data/x: no tokens, so no number of epochs gives 10 samples of seq_length 4",
                noTokens.getMessage());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> GptSampleIndex.build("data/y", new int[] {3, 2}, 0, 2, 2_000_000_000L, 4, 1));
        assertTrue(tooMany.getMessage().startsWith("data/y: 2000000000 samples of seq_length 4 need 1600000001 "
                + "epochs of 2 documents (5 tokens each)"), tooMany.getMessage());
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                () -> GptSampleIndex.build("data/z", new int[] {3}, 0, 1, Long.MAX_VALUE / 2, 4, 1));
        assertTrue(overflow.getMessage().contains("overflows 64 bits"), overflow.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> GptSampleIndex.build("data/w", new int[] {3}, 1, 1, 5, 4, 1));
        assertEquals("data/w: document range [1, 1) is empty or outside the 1 documents", range.getMessage());
    }

    static Path sampleData() {
        String root = System.getProperty("project.root");
        return (root != null ? Paths.get(root) : Paths.get("..")).resolve("data/sample").normalize();
    }
}
