package org.llemma4j.data.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only, little-endian memory map of a whole file of any size. One {@link MappedByteBuffer} addresses at
 * most 2 GiB, so the file is mapped as consecutive chunks; each chunk also maps the first 8 bytes of the next
 * one, so that any primitive value lies entirely inside the chunk of its first byte.
 *
 * <p>Thread safety: only absolute reads are used, and those never touch a buffer's position, limit or mark (its
 * only mutable state), so any number of threads may read concurrently.
 */
public final class MappedFile {

    /** Default chunk: a power of two well under the 2 GiB limit of a single map. */
    public static final int DEFAULT_CHUNK = 1 << 30;
    private static final int OVERLAP = 8;

    private final Path path;
    private final long size;
    private final int chunkSize;
    private final ByteBuffer[] chunks;

    private MappedFile(Path path, long size, int chunkSize, ByteBuffer[] chunks) {
        this.path = path;
        this.size = size;
        this.chunkSize = chunkSize;
        this.chunks = chunks;
    }

    public static MappedFile open(Path path) throws IOException {
        return open(path, DEFAULT_CHUNK);
    }

    /** A small {@code chunkSize} (a multiple of 8) lets tests exercise the chunk boundaries with tiny files. */
    public static MappedFile open(Path path, int chunkSize) throws IOException {
        if (chunkSize < 2 * OVERLAP || chunkSize % OVERLAP != 0 || chunkSize > Integer.MAX_VALUE - OVERLAP) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " must be a multiple of 8, at least 16");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) ((size + chunkSize - 1) / chunkSize);
            ByteBuffer[] chunks = new ByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long start = (long) i * chunkSize;
                long len = Math.min(size - start, (long) chunkSize + OVERLAP);
                chunks[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, len).order(ByteOrder.LITTLE_ENDIAN);
            }
            // The mapping stays valid after the channel is closed.
            return new MappedFile(path, size, chunkSize, chunks);
        }
    }

    public Path path() {
        return path;
    }

    public long size() {
        return size;
    }

    private ByteBuffer chunk(long pos, int width) {
        if (pos < 0 || pos + width > size) {
            throw new IndexOutOfBoundsException(
                    "read of " + width + " bytes at " + pos + " is outside " + path + " (" + size + " bytes)");
        }
        return chunks[(int) (pos / chunkSize)];
    }

    private int offset(long pos) {
        return (int) (pos % chunkSize);
    }

    public byte getByte(long pos) {
        return chunk(pos, 1).get(offset(pos));
    }

    public short getShort(long pos) {
        return chunk(pos, 2).getShort(offset(pos));
    }

    public int getInt(long pos) {
        return chunk(pos, 4).getInt(offset(pos));
    }

    public long getLong(long pos) {
        return chunk(pos, 8).getLong(offset(pos));
    }

    public void get(long pos, byte[] dst, int off, int len) {
        chunk(pos, len);
        while (len > 0) {
            ByteBuffer c = chunks[(int) (pos / chunkSize)];
            int within = offset(pos);
            int n = Math.min(len, chunkSize - within);
            c.get(within, dst, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    /** Receives one piece of a range read: {@code byteCount} bytes of {@code buffer} starting at {@code index}. */
    @FunctionalInterface
    public interface SegmentReader {
        void read(ByteBuffer buffer, int index, int byteCount);
    }

    /**
     * Visits {@code [pos, pos + byteCount)} as a few in-chunk segments, each cut at a multiple of
     * {@code elementSize} (at most 8) from {@code pos}, so a caller decoding elements never sees one split in two.
     * Bulk decoders use this instead of per-element reads to keep the chunk lookup out of their inner loop.
     */
    public void forEachSegment(long pos, long byteCount, int elementSize, SegmentReader reader) {
        if (elementSize < 1 || elementSize > OVERLAP) {
            throw new IllegalArgumentException("element size " + elementSize);
        }
        if (pos < 0 || byteCount < 0 || pos + byteCount > size) {
            throw new IndexOutOfBoundsException(
                    "read of " + byteCount + " bytes at " + pos + " is outside " + path + " (" + size + " bytes)");
        }
        while (byteCount > 0) {
            ByteBuffer c = chunks[(int) (pos / chunkSize)];
            int within = offset(pos);
            long toBoundary = chunkSize - within;
            long rounded = (toBoundary + elementSize - 1) / elementSize * elementSize;
            int n = (int) Math.min(byteCount, rounded);
            reader.read(c, within, n);
            pos += n;
            byteCount -= n;
        }
    }
}
