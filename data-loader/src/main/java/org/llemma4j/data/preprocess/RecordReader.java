package org.llemma4j.data.preprocess;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * Reads the records of one input file in order: the lines of a {@code .jsonl[.zst]} (blank lines dropped) or the
 * whole of a {@code .txt} (one document per file, as lm_dataformat reads text files).
 */
final class RecordReader implements AutoCloseable {

    private static final int BUFFER = 1 << 16;

    private final Path file;
    private final boolean json;
    private final InputStream in;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;
    private long line;
    private boolean done;

    /**
     * @param onDiskBytes receives the count of on-disk (compressed) bytes consumed, for progress and ETA
     */
    RecordReader(Path file, LongConsumer onDiskBytes) throws IOException {
        this.file = file;
        InputFiles.Format format = InputFiles.Format.of(file);
        this.json = format != InputFiles.Format.TEXT;
        InputStream raw = new CountingStream(Files.newInputStream(file), onDiskBytes);
        try {
            this.in = format == InputFiles.Format.JSONL_ZST
                    ? new ZstdInputStream(new BufferedInputStream(raw, BUFFER)) : raw;
        } catch (IOException e) {
            raw.close();
            throw new IOException(file + ": cannot start zstd decompression: " + e.getMessage(), e);
        }
    }

    /** The next record, or {@code null} at the end of the file. */
    RawRecord next() throws IOException {
        if (!json) {
            if (done) {
                return null;
            }
            done = true;
            return new RawRecord(file, 1, stripBom(readAll()), false);
        }
        while (true) {
            byte[] lineBytes = readLine();
            if (lineBytes == null) {
                return null;
            }
            line++;
            if (line == 1) {
                lineBytes = stripBom(lineBytes);
            }
            if (!isBlank(lineBytes)) {
                return new RawRecord(file, line, lineBytes, true);
            }
        }
    }

    private byte[] readLine() throws IOException {
        ByteArrayOutputStream spill = null;
        while (true) {
            if (pos == limit && !fill()) {
                if (spill == null || spill.size() == 0) {
                    return null;
                }
                return spill.toByteArray();
            }
            int nl = indexOf(buf, pos, limit, (byte) '\n');
            if (nl >= 0) {
                byte[] out;
                if (spill == null) {
                    out = Arrays.copyOfRange(buf, pos, nl);
                } else {
                    spill.write(buf, pos, nl - pos);
                    out = spill.toByteArray();
                }
                pos = nl + 1;
                return out;
            }
            if (spill == null) {
                spill = new ByteArrayOutputStream(2 * (limit - pos) + 16);
            }
            spill.write(buf, pos, limit - pos);
            pos = limit;
        }
    }

    private boolean fill() throws IOException {
        int n;
        try {
            n = in.read(buf, 0, buf.length);
        } catch (IOException e) {
            throw new IOException(file + ": read failed after line " + line + ": " + e.getMessage(), e);
        }
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private byte[] readAll() throws IOException {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IOException(file + ": read failed: " + e.getMessage(), e);
        }
    }

    private static int indexOf(byte[] b, int from, int to, byte v) {
        for (int i = from; i < to; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\t' && x != '\r') {
                return false;
            }
        }
        return true;
    }

    private static byte[] stripBom(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            return Arrays.copyOfRange(b, 3, b.length);
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Counts bytes as they come off the disk, before decompression. */
    private static final class CountingStream extends FilterInputStream {
        private final LongConsumer sink;

        CountingStream(InputStream in, LongConsumer sink) {
            super(in);
            this.sink = sink;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                sink.accept(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                sink.accept(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            sink.accept(s);
            return s;
        }
    }
}
