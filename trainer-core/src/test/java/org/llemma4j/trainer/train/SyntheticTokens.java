package org.llemma4j.trainer.train;

import java.util.Random;
import org.llemma4j.trainer.data.TokenSource;

/**
 * A learnable in-memory token stream for trainer tests: a fixed random sequence of short "words" drawn from a
 * small vocabulary, so a model can lower its loss well below uniform.
 */
final class SyntheticTokens implements TokenSource {

    private final int[] tokens;

    SyntheticTokens(int length, int vocab, long seed) {
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
    public long totalTokens() {
        return tokens.length;
    }

    @Override
    public void read(long first, int[] dst, int off, int len) {
        System.arraycopy(tokens, (int) first, dst, off, len);
    }

    @Override
    public String name() {
        return "synthetic";
    }
}
