package org.llemma4j.data.indexed;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The byte layout of a {@code .idx} file, shared by reader and writer: 9-byte magic, u64 version, u8 dtype code,
 * u64 sequence count N, u64 document-index length D (documents + 1), then int32 sizes[N], int64 byte
 * pointers[N], int64 doc_idx[D]; little-endian and unaligned.
 */
final class IndexFormat {

    static final byte[] MAGIC = "MMIDIDX\0\0".getBytes(StandardCharsets.ISO_8859_1);
    static final long VERSION = 1;
    static final int HEADER_BYTES = 9 + 8 + 1 + 8 + 8;
    static final int VERSION_AT = 9;
    static final int DTYPE_AT = 17;
    static final int COUNT_AT = 18;
    static final int DOC_COUNT_AT = 26;

    private IndexFormat() {
    }

    /** File size for N sequences and D doc_idx entries; {@code -1} when it would overflow (a corrupt header). */
    static long fileSize(long sequences, long docIdxEntries) {
        try {
            long arrays = Math.addExact(Math.multiplyExact(sequences, 12L), Math.multiplyExact(docIdxEntries, 8L));
            return Math.addExact(HEADER_BYTES, arrays);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    static long sizesAt() {
        return HEADER_BYTES;
    }

    static long pointersAt(long sequences) {
        return HEADER_BYTES + 4 * sequences;
    }

    static long docIdxAt(long sequences) {
        return HEADER_BYTES + 12 * sequences;
    }

    static Path idxPath(Path prefix) {
        return prefix.resolveSibling(prefix.getFileName() + ".idx");
    }

    static Path binPath(Path prefix) {
        return prefix.resolveSibling(prefix.getFileName() + ".bin");
    }
}
