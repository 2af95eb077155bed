package org.llemma4j.data.indexed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.InvalidDataException;

/** Corrupted copies of the ag-news fixture (100 sequences, uint16), each rejected with a message naming the file. */
class IndexedDatasetValidationTest {

    @TempDir
    Path tmp;
    Path prefix;
    Path idx;
    Path bin;
    byte[] idxBytes;

    @BeforeEach
    void copyFixture() throws IOException {
        prefix = tmp.resolve("ds");
        idx = IndexedDataset.idxPath(prefix);
        bin = IndexedDataset.binPath(prefix);
        Files.copy(IndexedDataset.idxPath(IndexedDatasetFixtureTest.AG_NEWS), idx);
        Files.copy(IndexedDataset.binPath(IndexedDatasetFixtureTest.AG_NEWS), bin);
        idxBytes = Files.readAllBytes(idx);
    }

    private String openFails() {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> IndexedDataset.open(prefix));
        return e.getMessage();
    }

    private void writeIdx(byte[] bytes) throws IOException {
        Files.write(idx, bytes);
    }

    private void patchLong(int at, long value) throws IOException {
        byte[] b = idxBytes.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        writeIdx(b);
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] b = idxBytes.clone();
        b[0] = 'X';
        b[8] = 7;
        writeIdx(b);
        assertEquals(idx + " is not a Megatron indexed dataset index: it starts with 'XMIDIDX\\x00\\x07', expected"
                + " MMIDIDX\\0\\0", openFails());
    }

    @Test
    void wrongVersion() throws IOException {
        patchLong(9, 2);
        assertEquals(idx + " has index version 2; only version 1 is supported", openFails());
    }

    @Test
    void unknownDtype() throws IOException {
        byte[] b = idxBytes.clone();
        b[17] = 9;
        writeIdx(b);
        assertEquals(idx + " has unknown dtype code 9 (known: 1 uint8, 2 int8, 3 int16, 4 int32, 5 int64,"
                + " 6 float32, 7 float64, 8 uint16)", openFails());
    }

    @Test
    void shorterThanHeader() throws IOException {
        writeIdx(Arrays.copyOf(idxBytes, 20));
        assertEquals(idx + " is truncated: 20 bytes, shorter than the 34-byte header of an indexed dataset index",
                openFails());
    }

    @Test
    void truncatedArrays() throws IOException {
        writeIdx(Arrays.copyOf(idxBytes, idxBytes.length - 8));
        assertEquals(idx + " is truncated: its header declares 100 sequences and 101 document-index entries,"
                + " which need 2042 bytes, but the file has 2034 bytes", openFails());
    }

    @Test
    void absurdCountsAreTruncation() throws IOException {
        patchLong(18, -1L);
        assertEquals(idx + " is truncated: its header declares 18446744073709551615 sequences and 101"
                + " document-index entries, which need more than 2^63 bytes, but the file has 2042 bytes",
                openFails());
    }

    @Test
    void trailingBytes() throws IOException {
        writeIdx(Arrays.copyOf(idxBytes, idxBytes.length + 3));
        assertEquals(idx + " has 2045 bytes, but its header declares 100 sequences and 101 document-index"
                + " entries, which need exactly 2042 bytes (3 trailing bytes)", openFails());
    }

    @Test
    void binSizeDoesNotMatchIndex() throws IOException {
        byte[] b = Files.readAllBytes(bin);
        Files.write(bin, Arrays.copyOf(b, b.length - 2));
        assertEquals(bin + " has 18492 bytes, but " + idx + " describes 18494 bytes (9247 uint16 tokens in 100"
                + " sequences)", openFails());
    }

    @Test
    void nonContiguousPointers() throws IOException {
        patchLong(34 + 4 * 100 + 8 * 3, 999);
        assertEquals(idx + ": sequence 3 starts at byte 999 of the .bin, but the sequences before it end at byte"
                + " 556; sequences must be contiguous", openFails());
    }

    @Test
    void docIdxNotStartingAtZero() throws IOException {
        patchLong(34 + 12 * 100, 1);
        assertEquals(idx + ": doc_idx[0] is 1, expected 0", openFails());
    }

    @Test
    void docIdxDecreasing() throws IOException {
        patchLong(34 + 12 * 100 + 8 * 5, 2);
        assertEquals(idx + ": doc_idx[5] is 2 after 4; entries must be non-decreasing sequence numbers in [0, 100]",
                openFails());
    }

    @Test
    void docIdxNotEndingAtSequenceCount() throws IOException {
        patchLong(34 + 12 * 100 + 8 * 100, 99);
        assertEquals(idx + ": the last doc_idx entry is 99, expected the sequence count 100", openFails());
    }

    @Test
    void emptyDocIdx() throws IOException {
        byte[] b = new byte[34];
        System.arraycopy(idxBytes, 0, b, 0, 18);
        writeIdx(b);
        Files.write(bin, new byte[0]);
        assertEquals(idx + " has an empty document index (0 entries); it must hold at least the leading 0",
                openFails());
    }

    @Test
    void missingBin() throws IOException {
        Files.delete(bin);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IndexedDataset.open(prefix));
        assertEquals(bin + ": token file of the indexed dataset does not exist (its index ds.idx does)",
                e.getMessage());
        Files.delete(idx);
        e = assertThrows(NoSuchFileException.class, () -> IndexedDataset.open(prefix));
        assertEquals(bin + ": token file of the indexed dataset does not exist (nor does its index ds.idx)",
                e.getMessage());
    }

    @Test
    void missingIdx() throws IOException {
        Files.delete(idx);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IndexedDataset.open(prefix));
        assertEquals(idx + ": index file of the indexed dataset does not exist", e.getMessage());
    }

    @Test
    void wideValuesThatAreNotIntTokens() throws IOException {
        Path p = tmp.resolve("wide");
        ByteBuffer header = ByteBuffer.allocate(34 + 12 + 16).order(ByteOrder.LITTLE_ENDIAN);
        header.put(IndexFormat.MAGIC).putLong(1).put((byte) DType.INT64.code()).putLong(1).putLong(2)
                .putInt(2).putLong(0).putLong(0).putLong(1);
        Files.write(IndexedDataset.idxPath(p), header.array());
        ByteBuffer tokens = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(1L << 40);
        Files.write(IndexedDataset.binPath(p), tokens.array());
        try (IndexedDataset ds = IndexedDataset.open(p)) {
            int[] one = new int[1];
            ds.readTokens(0, one, 0, 1);
            assertEquals(7, one[0]);
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> ds.readSequence(0));
            assertEquals(IndexedDataset.binPath(p) + ": tokens [0, 2) hold a int64 value that is not an int token"
                    + " id: integer overflow", e.getMessage());
        }
    }

    @Test
    void outOfRangeReads() throws IOException {
        try (IndexedDataset ds = IndexedDataset.open(prefix)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> ds.readTokens(9240, new int[10], 0, 10));
            assertEquals("tokens [9240, 9250) outside [0, 9247) of " + bin, e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> ds.sequenceLength(100));
            assertEquals("sequence 100 outside [0, 100) of " + idx, e.getMessage());
        }
    }
}
