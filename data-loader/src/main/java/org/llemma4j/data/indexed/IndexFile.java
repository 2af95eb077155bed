package org.llemma4j.data.indexed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.io.MappedFile;

/**
 * A validated {@code .idx} file. The arrays stay in the memory map rather than the heap: an index of Proof-Pile-2
 * holds tens of millions of sequences, and a trainer rank needs only the few it samples.
 */
final class IndexFile {

    private final MappedFile map;
    private final DType dtype;
    private final long sequences;
    private final long docIdxEntries;
    private final long tokens;

    private IndexFile(MappedFile map, DType dtype, long sequences, long docIdxEntries, long tokens) {
        this.map = map;
        this.dtype = dtype;
        this.sequences = sequences;
        this.docIdxEntries = docIdxEntries;
        this.tokens = tokens;
    }

    static IndexFile open(Path idx, int chunkSize) throws IOException {
        if (!Files.exists(idx)) {
            throw new NoSuchFileException(idx.toString(), null, "index file of the indexed dataset does not exist");
        }
        MappedFile map = MappedFile.open(idx, chunkSize);
        long size = map.size();
        if (size < IndexFormat.HEADER_BYTES) {
            throw new InvalidDataException(idx + " is truncated: " + size + " bytes, shorter than the "
                    + IndexFormat.HEADER_BYTES + "-byte header of an indexed dataset index");
        }
        byte[] magic = new byte[IndexFormat.MAGIC.length];
        map.get(0, magic, 0, magic.length);
        if (!Arrays.equals(magic, IndexFormat.MAGIC)) {
            throw new InvalidDataException(idx + " is not a Megatron indexed dataset index: it starts with "
                    + printable(magic) + ", expected MMIDIDX\\0\\0");
        }
        long version = map.getLong(IndexFormat.VERSION_AT);
        if (version != IndexFormat.VERSION) {
            throw new InvalidDataException(idx + " has index version " + Long.toUnsignedString(version)
                    + "; only version " + IndexFormat.VERSION + " is supported");
        }
        int code = map.getByte(IndexFormat.DTYPE_AT) & 0xFF;
        DType dtype = DType.fromCode(code);
        if (dtype == null) {
            throw new InvalidDataException(idx + " has unknown dtype code " + code + " (known: "
                    + DType.describeCodes() + ")");
        }
        long n = map.getLong(IndexFormat.COUNT_AT);
        long d = map.getLong(IndexFormat.DOC_COUNT_AT);
        long expected = (n < 0 || d < 0) ? -1 : IndexFormat.fileSize(n, d);
        String counts = Long.toUnsignedString(n) + " sequences and " + Long.toUnsignedString(d)
                + " document-index entries";
        if (expected < 0 || size < expected) {
            throw new InvalidDataException(idx + " is truncated: its header declares " + counts + ", which need "
                    + (expected < 0 ? "more than 2^63" : String.valueOf(expected)) + " bytes, but the file has "
                    + size + " bytes");
        }
        if (size > expected) {
            throw new InvalidDataException(idx + " has " + size + " bytes, but its header declares " + counts
                    + ", which need exactly " + expected + " bytes (" + (size - expected) + " trailing bytes)");
        }
        if (d < 1) {
            throw new InvalidDataException(idx + " has an empty document index (0 entries); it must hold at least"
                    + " the leading 0");
        }
        IndexFile file = new IndexFile(map, dtype, n, d, 0);
        long tokens = file.validateArrays(idx);
        return new IndexFile(map, dtype, n, d, tokens);
    }

    /** Checks the invariants the stream view relies on; returns the total token count. */
    private long validateArrays(Path idx) throws InvalidDataException {
        long expectedPointer = 0;
        for (long i = 0; i < sequences; i++) {
            int len = size(i);
            long pointer = pointer(i);
            if (len < 0) {
                throw new InvalidDataException(idx + ": sequence " + i + " has negative size " + len);
            }
            // Megatron and GPT-NeoX write sequences back to back; the token stream view depends on it.
            if (pointer != expectedPointer) {
                throw new InvalidDataException(idx + ": sequence " + i + " starts at byte " + pointer
                        + " of the .bin, but the sequences before it end at byte " + expectedPointer
                        + "; sequences must be contiguous");
            }
            expectedPointer = pointer + (long) len * dtype.size();
        }
        long previous = 0;
        for (long k = 0; k < docIdxEntries; k++) {
            long v = docIdx(k);
            if (k == 0 && v != 0) {
                throw new InvalidDataException(idx + ": doc_idx[0] is " + v + ", expected 0");
            }
            if (v < previous || v > sequences) {
                throw new InvalidDataException(idx + ": doc_idx[" + k + "] is " + v + " after " + previous
                        + "; entries must be non-decreasing sequence numbers in [0, " + sequences + "]");
            }
            previous = v;
        }
        if (previous != sequences) {
            throw new InvalidDataException(idx + ": the last doc_idx entry is " + previous + ", expected the "
                    + "sequence count " + sequences);
        }
        return expectedPointer / dtype.size();
    }

    private static String printable(byte[] bytes) {
        StringBuilder sb = new StringBuilder("'");
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.append('\'').toString();
    }

    DType dtype() {
        return dtype;
    }

    long sequenceCount() {
        return sequences;
    }

    long docIdxEntries() {
        return docIdxEntries;
    }

    long tokenCount() {
        return tokens;
    }

    int size(long i) {
        return map.getInt(IndexFormat.sizesAt() + 4 * i);
    }

    long pointer(long i) {
        return map.getLong(IndexFormat.pointersAt(sequences) + 8 * i);
    }

    long docIdx(long k) {
        return map.getLong(IndexFormat.docIdxAt(sequences) + 8 * k);
    }
}
