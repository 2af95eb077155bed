package org.llemma4j.data.indexed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.io.MappedFile;

/**
 * A read-only Megatron / GPT-NeoX indexed dataset ({@code prefix.bin} + {@code prefix.idx}), memory-mapped and
 * validated on open. Files larger than 2 GiB are fine; nothing is copied into the heap unless asked for.
 *
 * <p>Two views of the same tokens: sequences (one per document in GPT-NeoX output) and the token stream, all
 * sequences concatenated in order, which is what GPT-NeoX's sampler cuts into windows of {@code seq_length + 1}.
 *
 * <p>Thread-safe: after {@link #open} the object is immutable and every read is an absolute read of the map.
 */
public final class IndexedDataset implements AutoCloseable {

    private final Path prefix;
    private final IndexFile index;
    private final MappedFile bin;

    private IndexedDataset(Path prefix, IndexFile index, MappedFile bin) {
        this.prefix = prefix;
        this.index = index;
        this.bin = bin;
    }

    /** Opens {@code prefix.idx} and {@code prefix.bin}; {@code prefix} is the path without either extension. */
    public static IndexedDataset open(Path prefix) throws IOException {
        return open(prefix, MappedFile.DEFAULT_CHUNK);
    }

    /** As {@link #open(Path)}, mapping in chunks of {@code chunkSize} bytes (small values exercise >2 GiB logic). */
    static IndexedDataset open(Path prefix, int chunkSize) throws IOException {
        Path idxPath = idxPath(prefix);
        Path binPath = binPath(prefix);
        if (!Files.exists(binPath)) {
            throw new NoSuchFileException(binPath.toString(), null,
                    "token file of the indexed dataset does not exist" + (Files.exists(idxPath) ? " (its index "
                            + idxPath.getFileName() + " does)" : " (nor does its index " + idxPath.getFileName()
                            + ")"));
        }
        IndexFile index = IndexFile.open(idxPath, chunkSize);
        long binSize = Files.size(binPath);
        long expected = index.tokenCount() * index.dtype().size();
        if (binSize != expected) {
            throw new InvalidDataException(binPath + " has " + binSize + " bytes, but " + idxPath + " describes "
                    + expected + " bytes (" + index.tokenCount() + " " + index.dtype() + " tokens in "
                    + index.sequenceCount() + " sequences)");
        }
        return new IndexedDataset(prefix, index, MappedFile.open(binPath, chunkSize));
    }

    public static Path idxPath(Path prefix) {
        return IndexFormat.idxPath(prefix);
    }

    public static Path binPath(Path prefix) {
        return IndexFormat.binPath(prefix);
    }

    public Path prefix() {
        return prefix;
    }

    public DType dtype() {
        return index.dtype();
    }

    /** N, the number of sequences (GPT-NeoX writes one per document). */
    public long sequenceCount() {
        return index.sequenceCount();
    }

    /** The number of documents: one less than the length of doc_idx. */
    public long documentCount() {
        return index.docIdxEntries() - 1;
    }

    /** All tokens in the {@code .bin}. */
    public long tokenCount() {
        return index.tokenCount();
    }

    /** Length in tokens of sequence {@code i}. */
    public int sequenceLength(long i) {
        checkSequence(i);
        return index.size(i);
    }

    /** Byte offset of sequence {@code i} in the {@code .bin} (Megatron's "pointer"). */
    public long sequencePointer(long i) {
        checkSequence(i);
        return index.pointer(i);
    }

    /** Position of sequence {@code i}'s first token in the token stream. */
    public long sequenceStart(long i) {
        return sequencePointer(i) / index.dtype().size();
    }

    /** doc_idx[k]: the first sequence of document {@code k}; {@code k == documentCount()} gives N. */
    public long documentIndex(long k) {
        if (k < 0 || k >= index.docIdxEntries()) {
            throw new IndexOutOfBoundsException("doc_idx entry " + k + " outside [0, " + index.docIdxEntries()
                    + ") of " + idxPath(prefix));
        }
        return index.docIdx(k);
    }

    /** A heap copy of all sequence lengths (for building a sample index). */
    public int[] sequenceLengths() {
        int[] out = new int[Math.toIntExact(sequenceCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = index.size(i);
        }
        return out;
    }

    /** A heap copy of all byte pointers. */
    public long[] sequencePointers() {
        long[] out = new long[Math.toIntExact(sequenceCount())];
        for (int i = 0; i < out.length; i++) {
            out[i] = index.pointer(i);
        }
        return out;
    }

    /** A heap copy of doc_idx (documents + 1 entries). */
    public long[] documentIndex() {
        long[] out = new long[Math.toIntExact(index.docIdxEntries())];
        for (int k = 0; k < out.length; k++) {
            out[k] = index.docIdx(k);
        }
        return out;
    }

    /**
     * Reads {@code len} tokens of the concatenated token stream starting at {@code firstToken}, crossing sequence
     * and document boundaries freely.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code [0, tokenCount())}
     * @throws InvalidDataException if a stored value is not an int token (only possible for int64 and float data)
     */
    public void readTokens(long firstToken, int[] dst, int off, int len) throws InvalidDataException {
        if (firstToken < 0 || len < 0 || firstToken + len > tokenCount()) {
            throw new IndexOutOfBoundsException("tokens [" + firstToken + ", " + (firstToken + len) + ") outside ["
                    + "0, " + tokenCount() + ") of " + binPath(prefix));
        }
        if (off < 0 || off + len > dst.length) {
            throw new IndexOutOfBoundsException("destination range [" + off + ", " + (off + len) + ") outside an"
                    + " array of " + dst.length);
        }
        DType t = index.dtype();
        int[] cursor = {off};
        try {
            bin.forEachSegment(firstToken * t.size(), (long) len * t.size(), t.size(), (buf, at, bytes) -> {
                int count = bytes / t.size();
                t.decode(buf, at, dst, cursor[0], count);
                cursor[0] += count;
            });
        } catch (ArithmeticException e) {
            throw new InvalidDataException(binPath(prefix) + ": tokens [" + firstToken + ", " + (firstToken + len)
                    + ") hold a " + t + " value that is not an int token id: " + e.getMessage(), e);
        }
    }

    /** The tokens of sequence {@code i}, in a new array. */
    public int[] readSequence(long i) throws InvalidDataException {
        int[] out = new int[sequenceLength(i)];
        readTokens(sequenceStart(i), out, 0, out.length);
        return out;
    }

    /** Copies sequence {@code i} into {@code dst} at {@code off}; returns its length. */
    public int readSequence(long i, int[] dst, int off) throws InvalidDataException {
        int len = sequenceLength(i);
        readTokens(sequenceStart(i), dst, off, len);
        return len;
    }

    private void checkSequence(long i) {
        if (i < 0 || i >= sequenceCount()) {
            throw new IndexOutOfBoundsException("sequence " + i + " outside [0, " + sequenceCount() + ") of "
                    + idxPath(prefix));
        }
    }

    /**
     * Drops this object's references to the maps. Java 17 cannot unmap eagerly; the memory is released when the
     * buffers are collected, which is harmless for read-only maps.
     */
    @Override
    public void close() {
        // Nothing to release explicitly: the channels were closed right after mapping.
    }

    @Override
    public String toString() {
        return "IndexedDataset[" + prefix + ", " + dtype() + ", " + sequenceCount() + " sequences, "
                + documentCount() + " documents, " + tokenCount() + " tokens]";
    }
}
