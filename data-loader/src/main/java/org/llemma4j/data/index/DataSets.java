package org.llemma4j.data.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.indexed.IndexedDataset;

/**
 * How GPT-NeoX turns its data keys into sample sets ({@code megatron/data/data_utils.py}):
 *
 * <ul>
 *   <li>{@code train_data_paths} + {@code train_data_weights} (likewise valid and test): weights normalized to
 *       sum 1; dataset i of the split is named {@code train_i} and asked for
 *       {@code ceil(num_samples x weight_i x 1.005)} samples; the datasets are blended by
 *       {@link BlendedDataset}'s greedy rule;</li>
 *   <li>a single {@code data_path} with {@code split} such as {@code 969,30,1}: the sequences are cut into
 *       train, valid and test document ranges ({@link #splitIndex}), each a {@link GptDataset} named
 *       {@code train}, {@code valid} or {@code test}, asked for exactly its number of samples.</li>
 * </ul>
 */
public final class DataSets {

    /** GPT-NeoX's split names. */
    public enum Split {
        TRAIN, VALID, TEST;

        public String gptNeoxName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private DataSets() {
    }

    /**
     * The blended samples of several datasets.
     *
     * @param key for messages, the config key the paths came from ({@code train_data_paths})
     */
    public static BlendedDataset weighted(Split split, String key, List<IndexedDataset> datasets, List<Double> weights,
                                          long numSamples, int seqLength, long seed) throws IOException {
        if (datasets.isEmpty()) {
            throw new IllegalArgumentException(key + " is empty: no datasets to draw " + split.gptNeoxName()
                    + " samples from");
        }
        if (datasets.size() != weights.size()) {
            throw new IllegalArgumentException(key + " names " + datasets.size() + " datasets but its weights list "
                    + weights.size() + " values " + weights + "; give one weight per path");
        }
        double[] normalized = BlendedDataset.normalize(weights);
        long[] counts = weightedNumSamples(normalized, numSamples);
        List<Samples> parts = new ArrayList<>();
        List<Double> partWeights = new ArrayList<>();
        for (int i = 0; i < datasets.size(); i++) {
            IndexedDataset ds = datasets.get(i);
            requireNotEmpty(ds);
            parts.add(GptDataset.open(ds, split.gptNeoxName() + "_" + i, 0, Math.toIntExact(ds.sequenceCount()),
                    counts[i], seqLength, seed));
            partWeights.add(normalized[i]);
        }
        return new BlendedDataset(parts, partWeights);
    }

    /**
     * One split of a single dataset cut by {@code split}; empty when the split's document range is empty (as
     * GPT-NeoX builds no dataset then).
     */
    public static java.util.Optional<GptDataset> split(Split split, IndexedDataset dataset, String splits,
                                                       long numSamples, int seqLength, long seed) throws IOException {
        requireNotEmpty(dataset);
        long[] bounds = splitIndex(splits, dataset.sequenceCount());
        int k = split.ordinal();
        if (bounds[k + 1] <= bounds[k]) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(GptDataset.open(dataset, split.gptNeoxName(), (int) bounds[k],
                (int) bounds[k + 1], numSamples, seqLength, seed));
    }

    /** {@code int(ceil(num_samples x weight x 1.005))} per normalized weight: the 0.5% spare GPT-NeoX adds. */
    public static long[] weightedNumSamples(double[] normalizedWeights, long numSamples) {
        long[] out = new long[normalizedWeights.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) Math.ceil(numSamples * normalizedWeights[i] * 1.005);
        }
        return out;
    }

    /**
     * GPT-NeoX's {@code get_train_valid_test_split_}: the proportions (comma- or slash-separated, missing ones 0)
     * over their sum, each range {@code round(share x size)} long with Python's half-to-even rounding, and any
     * rounding excess taken off every boundary so the last one is {@code size}.
     *
     * @return the four boundaries {@code [0, train_end, valid_end, size]}
     */
    public static long[] splitIndex(String splits, long size) {
        String[] parts = splits.contains(",") ? splits.split(",") : splits.contains("/") ? splits.split("/")
                : new String[] {splits};
        double[] shares = new double[3];
        double sum = 0;
        for (int i = 0; i < Math.min(3, parts.length); i++) {
            try {
                shares[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("split '" + splits + "': '" + parts[i].trim()
                        + "' is not a number; write proportions such as 969,30,1");
            }
            if (!(shares[i] >= 0) || Double.isInfinite(shares[i])) {
                throw new IllegalArgumentException("split '" + splits + "': proportion " + parts[i].trim()
                        + " is negative or not finite");
            }
        }
        for (double s : shares) {
            sum += s;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("split '" + splits + "': the proportions sum to 0");
        }
        long[] index = new long[4];
        for (int i = 0; i < 3; i++) {
            index[i + 1] = index[i] + (long) Math.rint(shares[i] / sum * (double) size);
        }
        long diff = index[3] - size;
        for (int i = 1; i < 4; i++) {
            index[i] -= diff;
        }
        return index;
    }

    /** An empty dataset cannot give samples: say which file and why. */
    static void requireNotEmpty(IndexedDataset ds) throws InvalidDataException {
        if (ds.sequenceCount() == 0 || ds.tokenCount() == 0) {
            throw new InvalidDataException(IndexedDataset.idxPath(ds.prefix()) + ": the dataset is empty ("
                    + ds.sequenceCount() + " documents, " + ds.tokenCount() + " tokens); it cannot give samples");
        }
    }

    /**
     * Scans every token once (a max and min over the mapped {@code .bin}) and fails on ids outside
     * {@code [0, vocabSize)}, naming the file, the first bad id and its position. Skipped when the token type cannot
     * hold an id at or above {@code vocabSize} (uint16 data and a vocabulary of 65536 or more).
     */
    public static void checkVocabulary(IndexedDataset ds, int vocabSize) throws InvalidDataException {
        if (ds.dtype() == org.llemma4j.data.indexed.DType.UINT16 && vocabSize > 0xFFFF) {
            return;
        }
        int[] buf = new int[1 << 16];
        long total = ds.tokenCount();
        for (long start = 0; start < total; start += buf.length) {
            int len = (int) Math.min(buf.length, total - start);
            ds.readTokens(start, buf, 0, len);
            int max = Integer.MIN_VALUE;
            int min = Integer.MAX_VALUE;
            for (int i = 0; i < len; i++) {
                max = Math.max(max, buf[i]);
                min = Math.min(min, buf[i]);
            }
            if (max >= vocabSize || min < 0) {
                for (int i = 0; i < len; i++) {
                    if (buf[i] >= vocabSize || buf[i] < 0) {
                        throw new InvalidDataException(IndexedDataset.binPath(ds.prefix()) + ": token id " + buf[i]
                                + " at token " + (start + i) + " is outside the model's vocabulary [0, "
                                + vocabSize + ") (vocab_size " + vocabSize + "); was the data tokenized with "
                                + "another tokenizer?");
                    }
                }
            }
        }
    }
}
