package org.llemma4j.data.index;

import java.util.List;
import org.llemma4j.data.InvalidDataException;

/**
 * GPT-NeoX's {@code BlendableDataset}: several sample sets interleaved by the greedy rule of its
 * {@code build_blending_indices} helper. Sample i goes to the dataset d whose share lags most behind its weight,
 * the largest {@code weight[d] x max(i, 1) - taken[d]} (the first on ties), and is that dataset's next sample in
 * its own order. The blend has as many samples as its parts together.
 *
 * <p>Memory: one byte per sample (which dataset) plus per-dataset counts every 256 samples; a sample's position
 * in its dataset is the count at its block start plus the matches before it in the block.
 */
public final class BlendedDataset implements Samples {

    private static final int BLOCK = 256;

    private final List<Samples> parts;
    private final double[] weights;
    private final byte[] datasetIndex;
    private final long[] blockCounts;   // [block * parts + d]: samples of d before the block
    private final int seqLength;

    /**
     * @param weights one per part, already normalized by the caller as GPT-NeoX does (they are normalized once
     *                more here, as {@code BlendableDataset} does, which can move them by an ulp)
     */
    public BlendedDataset(List<Samples> parts, List<Double> weights) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("blending needs at least one dataset");
        }
        if (parts.size() != weights.size()) {
            throw new IllegalArgumentException(parts.size() + " datasets but " + weights.size() + " weights");
        }
        if (parts.size() > 255) {
            throw new IllegalArgumentException(parts.size() + " datasets; blending supports at most 255");
        }
        this.parts = List.copyOf(parts);
        this.seqLength = parts.get(0).seqLength();
        long total = 0;
        for (Samples p : parts) {
            if (p.seqLength() != seqLength) {
                throw new IllegalArgumentException(p.describe() + " has seq_length " + p.seqLength() + ", but "
                        + parts.get(0).describe() + " has " + seqLength);
            }
            total += p.size();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("blend of " + total + " samples exceeds the limit of "
                    + (Integer.MAX_VALUE - 8));
        }
        this.weights = normalize(weights);
        int n = parts.size();
        this.datasetIndex = new byte[(int) total];
        this.blockCounts = new long[((int) total / BLOCK + 1) * n];
        long[] taken = new long[n];
        for (int i = 0; i < total; i++) {
            if (i % BLOCK == 0) {
                System.arraycopy(taken, 0, blockCounts, (i / BLOCK) * n, n);
            }
            double x = Math.max(i, 1.0);
            int best = 0;
            double bestError = this.weights[0] * x - taken[0];
            for (int d = 1; d < n; d++) {
                double error = this.weights[d] * x - taken[d];
                if (error > bestError) {
                    bestError = error;
                    best = d;
                }
            }
            datasetIndex[i] = (byte) best;
            taken[best]++;
        }
    }

    /** Each weight over their sum, the sum taken left to right as Python's {@code sum} and NumPy (n < 8) do. */
    static double[] normalize(List<Double> weights) {
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("dataset weight " + w + " in " + weights
                        + " is negative or not a finite number");
            }
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("dataset weights " + weights + " are all zero");
        }
        double[] out = new double[weights.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = weights.get(i) / sum;
        }
        return out;
    }

    @Override
    public long size() {
        return datasetIndex.length;
    }

    @Override
    public int seqLength() {
        return seqLength;
    }

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder("blend of");
        for (Samples p : parts) {
            b.append(' ').append(p.describe());
        }
        return b.toString();
    }

    /** Which part sample {@code i} comes from (GPT-NeoX's {@code dataset_index[i]}). */
    public int datasetIndex(long i) {
        return datasetIndex[Math.toIntExact(i)];
    }

    /** Sample {@code i}'s position within its part (GPT-NeoX's {@code dataset_sample_index[i]}). */
    public long datasetSampleIndex(long i) {
        int at = Math.toIntExact(i);
        int d = datasetIndex[at];
        int block = at / BLOCK;
        long count = blockCounts[block * parts.size() + d];
        for (int k = block * BLOCK; k < at; k++) {
            if (datasetIndex[k] == d) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void sample(long i, int[] dst, int off) throws InvalidDataException {
        if (i < 0 || i >= datasetIndex.length) {
            throw new IndexOutOfBoundsException("sample " + i + " outside [0, " + datasetIndex.length + ") of "
                    + describe());
        }
        parts.get(datasetIndex(i)).sample(datasetSampleIndex(i), dst, off);
    }

    public List<Samples> parts() {
        return parts;
    }
}
