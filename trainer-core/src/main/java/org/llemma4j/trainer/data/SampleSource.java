package org.llemma4j.trainer.data;

/**
 * Training samples in training order, each {@code seqLength() + 1} token ids (the inputs, and shifted by one the
 * labels). Sample i of the source is the i-th sample the run trains on; the loader cuts global batches out of
 * this order. Implementations must be safe to read from several threads (the prefetch thread reads while the
 * trainer runs).
 */
public interface SampleSource {

    /** The number of samples available. */
    long size();

    /** Tokens per sample minus one. */
    int seqLength();

    /** Copies sample {@code i} ({@code seqLength() + 1} tokens) into {@code dst} at {@code off}. */
    void sample(long i, int[] dst, int off);

    /** For messages: what the samples come from. */
    String describe();
}
