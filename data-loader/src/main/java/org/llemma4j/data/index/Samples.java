package org.llemma4j.data.index;

import org.llemma4j.data.InvalidDataException;

/**
 * A sequence of training samples, each {@code seqLength() + 1} token ids (inputs and, shifted by one, labels).
 * Implementations are immutable after construction and safe to read from several threads.
 */
public interface Samples {

    /** The number of samples. */
    long size();

    /** Tokens per sample minus one. */
    int seqLength();

    /** Copies sample {@code i} ({@code seqLength() + 1} tokens) into {@code dst} at {@code off}. */
    void sample(long i, int[] dst, int off) throws InvalidDataException;

    /** For messages: what the samples are drawn from. */
    String describe();
}
