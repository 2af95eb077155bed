package org.llemma4j.data.index;

/**
 * The 32-bit Mersenne Twister of Matsumoto and Nishimura (MT19937), as NumPy's {@code RandomState} runs it: the
 * same 624-word state, seeding ({@code init_genrand} for one integer, {@code init_by_array} for a key), twist and
 * tempering, so that a given seed yields the same stream of 32-bit words here and in NumPy.
 *
 * <p>Not thread-safe; one instance per index build.
 */
public final class MT19937 {

    static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] mt = new int[N];
    private int next = N;

    private MT19937() {
    }

    /** The state {@code init_genrand(seed)} makes; {@code seed} must be in {@code [0, 2^32)}. */
    public static MT19937 seeded(long seed) {
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("MT19937 seed " + seed + " outside [0, 2^32 - 1]");
        }
        MT19937 g = new MT19937();
        g.initGenrand((int) seed);
        return g;
    }

    /** The state {@code init_by_array(key)} makes (each element taken as an unsigned 32-bit word). */
    public static MT19937 byArray(int[] key) {
        if (key.length == 0) {
            throw new IllegalArgumentException("MT19937 init_by_array needs a key of at least one word");
        }
        MT19937 g = new MT19937();
        g.initGenrand(19650218);
        int i = 1;
        int j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            int prev = g.mt[i - 1];
            g.mt[i] = (g.mt[i] ^ ((prev ^ (prev >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                g.mt[0] = g.mt[N - 1];
                i = 1;
            }
            if (j >= key.length) {
                j = 0;
            }
        }
        for (int k = N - 1; k > 0; k--) {
            int prev = g.mt[i - 1];
            g.mt[i] = (g.mt[i] ^ ((prev ^ (prev >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                g.mt[0] = g.mt[N - 1];
                i = 1;
            }
        }
        g.mt[0] = 0x80000000;   // the most significant bit set assures a non-zero initial state
        return g;
    }

    private void initGenrand(int seed) {
        mt[0] = seed;
        for (int i = 1; i < N; i++) {
            int prev = mt[i - 1];
            mt[i] = 1812433253 * (prev ^ (prev >>> 30)) + i;   // int arithmetic wraps mod 2^32, as uint32 does
        }
        next = N;
    }

    /** The next 32-bit output, as the low 32 bits of an {@code int} (compare with {@code Integer.toUnsignedLong}). */
    public int nextInt() {
        if (next >= N) {
            twist();
        }
        int y = mt[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** The next 32-bit output as an unsigned value in {@code [0, 2^32)}. */
    public long nextUint32() {
        return Integer.toUnsignedLong(nextInt());
    }

    /** Two outputs joined, the first as the high word (NumPy's {@code next_uint64} for MT19937). */
    public long nextUint64() {
        long high = nextUint32();
        return (high << 32) | nextUint32();
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
            mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        next = 0;
    }
}
