package org.llemma4j.data.tokenizer;

import java.util.Arrays;

/**
 * A hash map from a pair of non-negative ints to a non-negative int, with open addressing over primitive arrays:
 * the BPE encoder looks a pair up for every character it reads, and boxed keys would cost more than the merge.
 * Filled once, then read-only, so any number of threads may read it.
 */
final class IntPairMap {

    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    /** Room for {@code capacity} pairs at a load factor of at most one half. */
    IntPairMap(int capacity) {
        int slots = Integer.highestOneBit(Math.max(4, capacity) * 2 - 1) << 1;
        keys = new long[slots];
        values = new int[slots];
        Arrays.fill(keys, EMPTY);
        mask = slots - 1;
    }

    /** Maps {@code (a, b)} to {@code value} unless the pair is already present (the first value stays). */
    void putIfAbsent(int a, int b, int value) {
        if (a < 0 || b < 0 || value < 0) {
            throw new IllegalArgumentException("pairs and values are non-negative: (" + a + ", " + b + ") -> "
                    + value);
        }
        if (2 * (size + 1) > keys.length) {
            throw new IllegalStateException("IntPairMap sized for " + keys.length / 2 + " pairs is full");
        }
        long key = key(a, b);
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                return;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = value;
        size++;
    }

    /** The value of {@code (a, b)}, or -1 (also when a or b is negative, which no pair is). */
    int get(int a, int b) {
        if ((a | b) < 0) {
            return -1;
        }
        long key = key(a, b);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == EMPTY) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    private static long key(int a, int b) {
        return (long) a << 32 | (b & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 32) & mask;
    }
}
