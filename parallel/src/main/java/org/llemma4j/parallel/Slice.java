package org.llemma4j.parallel;

/**
 * A contiguous range {@code [offset, offset + length)} of some dimension or flat buffer: the part one rank owns.
 *
 * @param offset first index owned
 * @param length number of indices owned
 */
public record Slice(long offset, long length) {

    public Slice {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("slice offset " + offset + " and length " + length + " must be >= 0");
        }
    }

    /** One past the last index owned. */
    public long end() {
        return offset + length;
    }

    /**
     * The {@code index}-th of {@code parts} equal slices of {@code size} elements.
     *
     * @param what names the thing being split, for the error message (e.g. "ffn hidden size")
     * @throws IllegalArgumentException when {@code size} is not divisible by {@code parts}
     */
    public static Slice evenPart(long size, int parts, int index, String what) {
        if (parts < 1) {
            throw new IllegalArgumentException(what + ": cannot split into " + parts + " parts");
        }
        if (index < 0 || index >= parts) {
            throw new IllegalArgumentException(what + ": part " + index + " is outside 0.." + (parts - 1));
        }
        if (size % parts != 0) {
            throw new IllegalArgumentException(what + " " + size + " is not divisible by " + parts
                    + " (remainder " + (size % parts) + ")");
        }
        long part = size / parts;
        return new Slice(part * index, part);
    }
}
