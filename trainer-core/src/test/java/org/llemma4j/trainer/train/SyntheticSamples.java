package org.llemma4j.trainer.train;

import java.util.Random;
import org.llemma4j.data.index.Samples;

/**
 * Learnable in-memory samples for trainer tests: a fixed random sequence of short "words" drawn from a small
 * vocabulary, cut into consecutive windows of {@code seqLength + 1} tokens overlapping by one (wrapping around), so
 * a model can lower its loss well below uniform.
 */
final class SyntheticSamples implements Samples {

    private final int[] tokens;
    private final int seqLength;

    SyntheticSamples(int length, int vocab, int seqLength, long seed) {
        this.seqLength = seqLength;
        Random random = new Random(seed);
        int[][] words = new int[32][];
        for (int w = 0; w < words.length; w++) {
            words[w] = random.ints(2 + random.nextInt(4), 3, vocab).toArray();
        }
        tokens = new int[length];
        int i = 0;
        while (i < length) {
            for (int t : words[random.nextInt(words.length)]) {
                if (i < length) {
                    tokens[i++] = t;
                }
            }
        }
    }

    @Override
    public long size() {
        return Long.MAX_VALUE / 2;
    }

    @Override
    public int seqLength() {
        return seqLength;
    }

    @Override
    public void sample(long i, int[] dst, int off) {
        long windows = (tokens.length - 1) / seqLength;
        int first = (int) ((i % windows) * seqLength);
        System.arraycopy(tokens, first, dst, off, seqLength + 1);
    }

    @Override
    public String describe() {
        return "synthetic";
    }
}
