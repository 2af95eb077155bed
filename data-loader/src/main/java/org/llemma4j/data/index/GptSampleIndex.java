package org.llemma4j.data.index;

/**
 * The three index arrays of GPT-NeoX's {@code GPT2Dataset}, computed in memory.
 *
 * <ul>
 *   <li>{@code doc_idx}: the documents of the range, repeated for every epoch (epoch-major), then shuffled as one
 *       array with {@code RandomState(seed)};</li>
 *   <li>{@code sample_idx}: rows {@code (position in doc_idx, token offset in that document)}; sample k spans from
 *       row k to row k+1 inclusive of its last token, {@code seq_length + 1} tokens, so consecutive samples share
 *       one token;</li>
 *   <li>{@code shuffle_idx}: {@code 0 .. samples-1} shuffled by the same generator, continuing after doc_idx's
 *       shuffle.</li>
 * </ul>
 *
 * The number of epochs is the fewest whose tokens give {@code num_samples} samples: the smallest E with
 * {@code (E x tokens_per_epoch - 1) / seq_length >= num_samples}; all samples of all E epochs are kept (GPT-NeoX
 * has no "separate last epoch" step, unlike later Megatron-LM), so the index usually holds more samples than asked.
 *
 * @param docIdx     sequence ids, length epochs x documents
 * @param sampleIdx  row-major pairs, length 2 x (samples + 1)
 * @param shuffleIdx a permutation of {@code 0 .. samples-1}
 */
public record GptSampleIndex(int epochs, int[] docIdx, long[] sampleIdx, int[] shuffleIdx) {

    /** Samples in the index (all epochs). */
    public long samples() {
        return shuffleIdx.length;
    }

    /**
     * Builds the index for documents {@code [firstDoc, lastDoc)} of a dataset with the given sequence lengths.
     *
     * @throws IllegalArgumentException when the range holds no tokens, or the index would exceed Java array limits
     *     (a sample count no epoch count can reach); the message names {@code what}
     */
    public static GptSampleIndex build(String what, int[] sizes, int firstDoc, int lastDoc, long numSamples,
                                       int seqLength, long seed) {
        if (firstDoc < 0 || lastDoc > sizes.length || firstDoc >= lastDoc) {
            throw new IllegalArgumentException(what + ": document range [" + firstDoc + ", " + lastDoc
                    + ") is empty or outside the " + sizes.length + " documents");
        }
        if (seqLength < 1) {
            throw new IllegalArgumentException(what + ": seq_length " + seqLength + " must be at least 1");
        }
        if (numSamples < 0) {
            throw new IllegalArgumentException(what + ": num_samples " + numSamples + " is negative");
        }
        long tokensPerEpoch = 0;
        for (int d = firstDoc; d < lastDoc; d++) {
            tokensPerEpoch += sizes[d];
        }
        int documents = lastDoc - firstDoc;
        long epochs = numEpochs(what, tokensPerEpoch, seqLength, numSamples);
        long docEntries = epochs * documents;
        long totalSamples = (epochs * tokensPerEpoch - 1) / seqLength;
        if (docEntries > Integer.MAX_VALUE - 8 || totalSamples > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": " + numSamples + " samples of seq_length " + seqLength
                    + " need " + epochs + " epochs of " + documents + " documents (" + tokensPerEpoch
                    + " tokens each), " + docEntries + " doc_idx entries and " + totalSamples
                    + " samples; no index that large can be built (limit " + (Integer.MAX_VALUE - 8) + ")");
        }
        RandomState rng = RandomState.of(seed);
        int[] docIdx = new int[(int) docEntries];
        for (int e = 0, k = 0; e < epochs; e++) {
            for (int d = firstDoc; d < lastDoc; d++) {
                docIdx[k++] = d;
            }
        }
        rng.shuffle(docIdx);
        long[] sampleIdx = sampleIdx(sizes, docIdx, seqLength, (int) totalSamples);
        int[] shuffleIdx = new int[(int) totalSamples];
        for (int i = 0; i < shuffleIdx.length; i++) {
            shuffleIdx[i] = i;
        }
        rng.shuffle(shuffleIdx);
        return new GptSampleIndex((int) epochs, docIdx, sampleIdx, shuffleIdx);
    }

    /** The fewest epochs of {@code tokensPerEpoch} tokens that give {@code numSamples} samples. */
    static long numEpochs(String what, long tokensPerEpoch, int seqLength, long numSamples) {
        if (tokensPerEpoch <= 0) {
            throw new IllegalArgumentException(what + ": no tokens, so no number of epochs gives " + numSamples
                    + " samples of seq_length " + seqLength);
        }
        // smallest E >= 1 with (E*T - 1) / S >= n, i.e. E*T >= n*S + 1
        long needed;
        try {
            needed = Math.addExact(Math.multiplyExact(numSamples, seqLength), 1);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": " + numSamples + " samples x seq_length " + seqLength
                    + " overflows 64 bits; no number of epochs reaches it");
        }
        return Math.max(1, (needed + tokensPerEpoch - 1) / tokensPerEpoch);
    }

    /** Walks doc_idx cutting samples of seqLength + 1 tokens that overlap by one, as GPT-NeoX's helper does. */
    private static long[] sampleIdx(int[] sizes, int[] docIdx, int seqLength, int samples) {
        long[] out = new long[2 * (samples + 1)];
        int docPos = 0;
        long offset = 0;
        out[0] = 0;
        out[1] = 0;
        for (int s = 1; s <= samples; s++) {
            long remaining = seqLength + 1L;
            while (remaining != 0) {
                long docLength = sizes[docIdx[docPos]] - offset;
                remaining -= docLength;
                if (remaining <= 0) {
                    offset += remaining + docLength - 1;   // the last token taken is the next sample's first
                    remaining = 0;
                } else {
                    docPos++;
                    offset = 0;
                }
            }
            out[2 * s] = docPos;
            out[2 * s + 1] = offset;
        }
        return out;
    }
}
