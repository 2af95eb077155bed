package org.llemma4j.data.index;

/**
 * The parts of NumPy's legacy {@code numpy.random.RandomState} that GPT-NeoX's index builder uses:
 * {@code RandomState(seed)} with an integer seed, and {@code shuffle} of a one-dimensional array, producing the
 * same permutations as NumPy for the same seed and length.
 *
 * <p>{@code shuffle} is a Fisher-Yates pass from the last element down: for i = n-1 .. 1, swap element i with
 * element j, j uniform in {@code [0, i]}. j is drawn by masked rejection: take the smallest all-ones mask covering
 * i, draw 32-bit words (64-bit when i does not fit in 32 bits) ANDed with the mask until one is at most i.
 */
public final class RandomState {

    private final MT19937 mt;

    private RandomState(MT19937 mt) {
        this.mt = mt;
    }

    /** {@code numpy.random.RandomState(seed)} for an integer seed in {@code [0, 2^32)}. */
    public static RandomState of(long seed) {
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("seed " + seed + " outside [0, 2^32 - 1], the range NumPy's "
                    + "RandomState accepts");
        }
        return new RandomState(MT19937.seeded(seed));
    }

    /** The underlying generator (for drawing raw words in tests). */
    MT19937 generator() {
        return mt;
    }

    /** A uniform integer in {@code [0, max]} by masked rejection (NumPy's {@code random_interval}). */
    public long interval(long max) {
        if (max < 0) {
            throw new IllegalArgumentException("interval bound " + max + " is negative");
        }
        if (max == 0) {
            return 0;
        }
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        mask |= mask >>> 32;
        long value;
        if (max <= 0xffffffffL) {
            do {
                value = mt.nextUint32() & mask;
            } while (value > max);
        } else {
            do {
                value = mt.nextUint64() & mask;
            } while (Long.compareUnsigned(value, max) > 0);
        }
        return value;
    }

    /** {@code random_sample()}: a double in {@code [0, 1)} with 53 random bits from two words. */
    public double randomSample() {
        long a = mt.nextUint32() >>> 5;
        long b = mt.nextUint32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** Shuffles {@code a} in place exactly as {@code RandomState.shuffle} shuffles a 1-D array of that length. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = (int) interval(i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** As {@link #shuffle(int[])}, for a long array. */
    public void shuffle(long[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = (int) interval(i);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
