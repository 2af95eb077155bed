package org.llemma4j.data.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.indexed.IndexedDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPT-NeoX's {@code GPT2Dataset}: the samples of one indexed dataset (or a document range of it) in the order of
 * its shuffled sample index. The three index arrays are cached next to the data as NumPy files named as GPT-NeoX
 * names them, {@code {prefix}_{name}_indexmap_{N}ns_{S}sl_{seed}s_{doc,sample,shuffle}_idx.npy}, so either tool
 * reuses the other's; missing files are rebuilt. Each file is written under a temporary name and renamed into
 * place, shuffle_idx last, so ranks building the same index at once never leave or read a partial file (they
 * compute identical arrays, and the last rename wins).
 *
 * <p>Thread-safe: the index arrays and the tokens are read-only maps.
 */
public final class GptDataset implements Samples {

    private static final Logger LOG = LoggerFactory.getLogger(GptDataset.class);

    private final IndexedDataset data;
    private final String name;
    private final int seqLength;
    private final Npy.Array docIdx;
    private final Npy.Array sampleIdx;
    private final Npy.Array shuffleIdx;
    private final long size;

    private GptDataset(IndexedDataset data, String name, int seqLength, Npy.Array docIdx, Npy.Array sampleIdx,
                       Npy.Array shuffleIdx) {
        this.data = data;
        this.name = name;
        this.seqLength = seqLength;
        this.docIdx = docIdx;
        this.sampleIdx = sampleIdx;
        this.shuffleIdx = shuffleIdx;
        this.size = Math.min(shuffleIdx.length(), sampleIdx.length() / 2 - 1);
    }

    /** The cache file prefix GPT-NeoX uses for these parameters. */
    public static Path cachePrefix(Path dataPrefix, String name, long numSamples, int seqLength, long seed) {
        return dataPrefix.resolveSibling(dataPrefix.getFileName() + "_" + name + "_indexmap_" + numSamples + "ns_"
                + seqLength + "sl_" + seed + "s");
    }

    public static Path docIdxFile(Path cachePrefix) {
        return cachePrefix.resolveSibling(cachePrefix.getFileName() + "_doc_idx.npy");
    }

    public static Path sampleIdxFile(Path cachePrefix) {
        return cachePrefix.resolveSibling(cachePrefix.getFileName() + "_sample_idx.npy");
    }

    public static Path shuffleIdxFile(Path cachePrefix) {
        return cachePrefix.resolveSibling(cachePrefix.getFileName() + "_shuffle_idx.npy");
    }

    /**
     * Opens the samples of documents {@code [firstDoc, lastDoc)}, building and caching the index if any of its
     * three files is missing.
     *
     * @param name GPT-NeoX's dataset name: {@code train}, {@code valid}, {@code test} for a split data_path,
     *             {@code train_0}, {@code train_1}, ... for the i-th of train_data_paths
     */
    public static GptDataset open(IndexedDataset data, String name, int firstDoc, int lastDoc, long numSamples,
                                  int seqLength, long seed) throws IOException {
        Path prefix = cachePrefix(data.prefix(), name, numSamples, seqLength, seed);
        Path doc = docIdxFile(prefix);
        Path sample = sampleIdxFile(prefix);
        Path shuffle = shuffleIdxFile(prefix);
        if (!(Files.isRegularFile(doc) && Files.isRegularFile(sample) && Files.isRegularFile(shuffle))) {
            long start = System.nanoTime();
            GptSampleIndex index = GptSampleIndex.build(data.prefix() + " (" + name + ")", data.sequenceLengths(),
                    firstDoc, lastDoc, numSamples, seqLength, seed);
            long rows = index.sampleIdx().length / 2;
            Npy.write(doc, Npy.DType.INT32, new long[] {index.docIdx().length}, Npy.LongIndexed.of(index.docIdx()));
            Npy.write(sample, 2 * rows < Integer.MAX_VALUE ? Npy.DType.INT32 : Npy.DType.INT64,
                    new long[] {rows, 2}, Npy.LongIndexed.of(index.sampleIdx()));
            Npy.write(shuffle, Npy.DType.UINT32, new long[] {index.shuffleIdx().length},
                    Npy.LongIndexed.of(index.shuffleIdx()));
            LOG.info("built sample index {}_*.npy: {} epochs, {} samples (asked {}) in {} ms", prefix,
                    index.epochs(), index.samples(), numSamples, (System.nanoTime() - start) / 1_000_000);
        }
        Npy.Array docA = Npy.read(doc);
        Npy.Array sampleA = Npy.read(sample);
        Npy.Array shuffleA = Npy.read(shuffle);
        check(docA.shape().length == 1, doc, "doc_idx must be one-dimensional, shape " + Arrays.toString(docA.shape()));
        check(sampleA.shape().length == 2 && sampleA.shape()[1] == 2 && sampleA.shape()[0] >= 2, sample,
                "sample_idx must have shape (samples + 1, 2), has " + Arrays.toString(sampleA.shape()));
        check(shuffleA.shape().length == 1, shuffle, "shuffle_idx must be one-dimensional, shape "
                + Arrays.toString(shuffleA.shape()));
        long documents = lastDoc - firstDoc;
        check(docA.length() % documents == 0, doc, "doc_idx has " + docA.length() + " entries, not a multiple of the "
                + documents + " documents of " + data.prefix() + "; the cache belongs to other data (delete it)");
        check(shuffleA.length() == sampleA.shape()[0] - 1, shuffle, "shuffle_idx has " + shuffleA.length()
                + " entries but " + sample.getFileName() + " describes " + (sampleA.shape()[0] - 1) + " samples");
        long lastRow = sampleA.shape()[0] - 1;
        check(sampleA.get(2 * lastRow) < docA.length(), sample, "last sample ends in doc_idx entry "
                + sampleA.get(2 * lastRow) + ", past the " + docA.length() + " entries of " + doc.getFileName());
        GptDataset ds = new GptDataset(data, name, seqLength, docA, sampleA, shuffleA);
        if (ds.size < numSamples) {
            throw new InvalidDataException(shuffle + ": the cached index holds " + ds.size + " samples, fewer than the "
                    + numSamples + " its name promises; delete the three " + prefix.getFileName() + "_*.npy files");
        }
        return ds;
    }

    private static void check(boolean ok, Path file, String message) throws InvalidDataException {
        if (!ok) {
            throw new InvalidDataException(file + ": " + message);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int seqLength() {
        return seqLength;
    }

    @Override
    public String describe() {
        return data.prefix() + " (" + name + ")";
    }

    public IndexedDataset data() {
        return data;
    }

    /** Position {@code i} of doc_idx (a sequence id). */
    public long docIdx(long i) {
        return docIdx.get(i);
    }

    /** Row {@code i} of sample_idx, column {@code c} (0: doc_idx position, 1: token offset). */
    public long sampleIdx(long i, int c) {
        return sampleIdx.get(2 * i + c);
    }

    public long shuffleIdx(long i) {
        return shuffleIdx.get(i);
    }

    /**
     * Sample {@code i} in training order. As in GPT-NeoX, an index at or past {@link #size()} wraps around
     * (GPT-NeoX catches the IndexError and takes {@code i % len}).
     */
    @Override
    public void sample(long i, int[] dst, int off) throws InvalidDataException {
        if (i < 0) {
            throw new IndexOutOfBoundsException("sample " + i + " of " + describe() + " is negative");
        }
        long j = shuffleIdx.get(i % size);
        long docF = sampleIdx.get(2 * j);
        long offF = sampleIdx.get(2 * j + 1);
        long docL = sampleIdx.get(2 * j + 2);
        long offL = sampleIdx.get(2 * j + 3);
        int width = seqLength + 1;
        int at = off;
        if (docF == docL) {
            at += read(docIdx.get(docF), offF, offL - offF + 1, dst, at, off + width);
        } else {
            long first = docIdx.get(docF);
            at += read(first, offF, data.sequenceLength(first) - offF, dst, at, off + width);
            for (long d = docF + 1; d < docL; d++) {
                long seq = docIdx.get(d);
                at += read(seq, 0, data.sequenceLength(seq), dst, at, off + width);
            }
            at += read(docIdx.get(docL), 0, offL + 1, dst, at, off + width);
        }
        if (at - off != width) {
            throw new InvalidDataException(describe() + ": sample " + i + " (row " + j + " of sample_idx) has "
                    + (at - off) + " tokens, not seq_length + 1 = " + width + "; the cached index does not match "
                    + "the data");
        }
    }

    private int read(long seq, long offset, long len, int[] dst, int at, int end) throws InvalidDataException {
        if (at + len > end || len < 0 || offset + len > data.sequenceLength(seq)) {
            throw new InvalidDataException(describe() + ": sample_idx asks for tokens [" + offset + ", "
                    + (offset + len) + ") of sequence " + seq + " (" + data.sequenceLength(seq)
                    + " tokens), which does not fit in a sample of " + (seqLength + 1) + " tokens; the cached index "
                    + "does not match the data");
        }
        data.readTokens(data.sequenceStart(seq) + offset, dst, at, (int) len);
        return (int) len;
    }
}
