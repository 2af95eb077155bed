package org.llemma4j.trainer.data;

import java.util.List;

/**
 * Training samples of {@code seqLength + 1} consecutive tokens, drawn from several token streams in proportion to
 * their weights.
 *
 * <p>Sample i goes to the dataset whose share is furthest behind its weight (GPT-NeoX's greedy blending rule:
 * argmax over d of weight[d] x (i + 1) - taken[d]); within a dataset, samples are consecutive non-overlapping
 * windows that wrap around at the end. The whole state is the number of samples consumed, so a run resumed at
 * sample n sees exactly the samples an uninterrupted run would have.
 *
 * <p>This sampler reads documents in file order; the GPT-NeoX-compatible shuffled sample index replaces it.
 */
public final class BlendedWindowSampler {

    private final List<TokenSource> sources;
    private final double[] weights;      // normalized to sum 1
    private final int seqLength;
    private final long[] taken;          // samples drawn from each source so far
    private long consumed;

    public BlendedWindowSampler(List<TokenSource> sources, List<Double> weights, int seqLength) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no training datasets given");
        }
        if (weights.size() != sources.size()) {
            throw new IllegalArgumentException(sources.size() + " datasets but " + weights.size() + " weights");
        }
        this.sources = List.copyOf(sources);
        this.seqLength = seqLength;
        double sum = weights.stream().mapToDouble(Double::doubleValue).sum();
        if (!(sum > 0) || weights.stream().anyMatch(w -> w < 0)) {
            throw new IllegalArgumentException("dataset weights must be >= 0 and not all 0, got " + weights);
        }
        this.weights = weights.stream().mapToDouble(w -> w / sum).toArray();
        for (TokenSource s : sources) {
            if (s.totalTokens() < seqLength + 1L) {
                throw new IllegalArgumentException("dataset " + s.name() + " has " + s.totalTokens()
                        + " tokens, fewer than one sample of seq_length + 1 = " + (seqLength + 1));
            }
        }
        this.taken = new long[sources.size()];
    }

    /** Moves to the state after {@code samples} samples, as if they had been drawn. */
    public void skipTo(long samples) {
        java.util.Arrays.fill(taken, 0);
        consumed = 0;
        while (consumed < samples) {
            taken[pick()]++;
            consumed++;
        }
    }

    /** Fills {@code dst} with the next {@code count} samples, each {@code seqLength + 1} tokens, row-major. */
    public void next(int count, int[] dst) {
        int width = seqLength + 1;
        for (int i = 0; i < count; i++) {
            int d = pick();
            TokenSource source = sources.get(d);
            long windows = (source.totalTokens() - 1) / seqLength;   // windows overlap by one token
            long first = (taken[d] % windows) * seqLength;
            source.read(first, dst, i * width, width);
            taken[d]++;
            consumed++;
        }
    }

    private int pick() {
        int best = 0;
        double bestLag = Double.NEGATIVE_INFINITY;
        for (int d = 0; d < weights.length; d++) {
            double lag = weights[d] * (consumed + 1) - taken[d];
            if (lag > bestLag) {
                bestLag = lag;
                best = d;
            }
        }
        return best;
    }

    /** Samples drawn so far: the sampler's whole state. */
    public long consumedSamples() {
        return consumed;
    }

    public int seqLength() {
        return seqLength;
    }
}
