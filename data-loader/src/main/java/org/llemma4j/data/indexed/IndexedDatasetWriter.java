package org.llemma4j.data.indexed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.io.AtomicFile;

/**
 * Streams tokens into a new indexed dataset. Tokens go straight to a temporary {@code .bin}; only the per-sequence
 * sizes and the document boundaries are kept in memory. {@link #commit()} writes the {@code .idx} and renames
 * both files into place (the {@code .idx} last); {@link #close()} without a commit deletes everything, so a
 * failed run never leaves a dataset that looks complete.
 *
 * <p>Not thread-safe: one writer per output, fed in document order.
 */
public final class IndexedDatasetWriter implements AutoCloseable {

    private static final int BUFFER_BYTES = 1 << 20;

    private final Path prefix;
    private final DType dtype;
    private final int vocabSize;
    private final AtomicFile bin;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private int[] sizes = new int[1024];
    private int sequences;
    private long[] docIdx = new long[1024];
    private int docIdxEntries = 1;
    private long tokens;
    private boolean finished;

    private IndexedDatasetWriter(Path prefix, DType dtype, int vocabSize, AtomicFile bin) {
        this.prefix = prefix;
        this.dtype = dtype;
        this.vocabSize = vocabSize;
        this.bin = bin;
    }

    /** A writer storing ids of a vocabulary of {@code vocabSize} as GPT-NeoX does (uint16 below 65500, else int32). */
    public static IndexedDatasetWriter create(Path prefix, int vocabSize) throws IOException {
        return new IndexedDatasetWriter(prefix, DType.forVocabulary(vocabSize), vocabSize,
                AtomicFile.create(IndexFormat.binPath(prefix)));
    }

    /** A writer with an explicit storage type; any id that fits the type is accepted. */
    public static IndexedDatasetWriter create(Path prefix, DType dtype) throws IOException {
        return new IndexedDatasetWriter(prefix, dtype, -1, AtomicFile.create(IndexFormat.binPath(prefix)));
    }

    public DType dtype() {
        return dtype;
    }

    public long tokensWritten() {
        return tokens;
    }

    public long sequencesWritten() {
        return sequences;
    }

    public long documentsWritten() {
        return docIdxEntries - 1;
    }

    /** Appends one sequence to the current document. */
    public void addSequence(int[] tokens, int off, int len) throws IOException {
        checkOpen();
        for (int i = 0; i < len; i++) {
            int t = tokens[off + i];
            if ((vocabSize > 0 && (t < 0 || t >= vocabSize)) || !dtype.fits(t)) {
                throw new InvalidDataException("token id " + t + " at position " + i + " of document "
                        + documentsWritten() + " cannot be written to " + bin.target() + ": "
                        + (vocabSize > 0 ? "the vocabulary has " + vocabSize + " ids" : "it does not fit " + dtype));
            }
        }
        for (int i = 0; i < len; i++) {
            if (buffer.remaining() < dtype.size()) {
                flush();
            }
            dtype.encode(tokens[off + i], buffer);
        }
        if (sequences == sizes.length) {
            sizes = Arrays.copyOf(sizes, sizes.length * 2);
        }
        sizes[sequences++] = len;
        this.tokens += len;
    }

    public void addSequence(int[] tokens) throws IOException {
        addSequence(tokens, 0, tokens.length);
    }

    /** Closes the current document: the sequences added since the previous call form one document. */
    public void endDocument() {
        checkOpen();
        if (docIdxEntries == docIdx.length) {
            docIdx = Arrays.copyOf(docIdx, docIdx.length * 2);
        }
        docIdx[docIdxEntries++] = sequences;
    }

    /** A document made of one sequence, GPT-NeoX's layout. */
    public void addDocument(int[] tokens, int off, int len) throws IOException {
        addSequence(tokens, off, len);
        endDocument();
    }

    public void addDocument(int[] tokens) throws IOException {
        addDocument(tokens, 0, tokens.length);
    }

    private void flush() throws IOException {
        buffer.flip();
        FileChannel ch = bin.channel();
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
        buffer.clear();
    }

    /** Writes the index and atomically publishes {@code prefix.bin} and {@code prefix.idx}. */
    public void commit() throws IOException {
        checkOpen();
        if (docIdx[docIdxEntries - 1] != sequences) {
            throw new IllegalStateException((sequences - docIdx[docIdxEntries - 1]) + " sequences were added to "
                    + prefix + " after the last endDocument()");
        }
        flush();
        finished = true;
        try (AtomicFile idx = AtomicFile.create(IndexFormat.idxPath(prefix))) {
            writeIndex(idx.channel());
            AtomicFile.commitAll(bin, idx);
        } finally {
            bin.close();
        }
    }

    private void writeIndex(FileChannel ch) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.put(IndexFormat.MAGIC).putLong(IndexFormat.VERSION).put((byte) dtype.code())
                .putLong(sequences).putLong(docIdxEntries);
        for (int i = 0; i < sequences; i++) {
            out = ensure(ch, out, 4);
            out.putInt(sizes[i]);
        }
        long pointer = 0;
        for (int i = 0; i < sequences; i++) {
            out = ensure(ch, out, 8);
            out.putLong(pointer);
            pointer += (long) sizes[i] * dtype.size();
        }
        for (int k = 0; k < docIdxEntries; k++) {
            out = ensure(ch, out, 8);
            out.putLong(docIdx[k]);
        }
        out.flip();
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    private static ByteBuffer ensure(FileChannel ch, ByteBuffer out, int bytes) throws IOException {
        if (out.remaining() < bytes) {
            out.flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            out.clear();
        }
        return out;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("writer for " + prefix + " is already committed or closed");
        }
    }

    /** Without a prior {@link #commit()}, discards everything written: no output file appears. */
    @Override
    public void close() throws IOException {
        finished = true;
        bin.close();
    }
}
