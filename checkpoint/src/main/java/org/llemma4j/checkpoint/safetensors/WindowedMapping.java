package org.llemma4j.checkpoint.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A read-only memory map of a whole file of any size. Java maps at most 2 GB per buffer, so the file is mapped
 * lazily in 1 GiB windows and every copy is split at window boundaries. Only the pages a copy touches are read
 * from disk, which is what makes slicing one rank's share out of a large tensor cheap.
 *
 * <p>Copies go through {@link ByteBuffer#put(ByteBuffer)} rather than a native memcpy: if the file shrinks under
 * us, Java turns the fault into an exception instead of crashing the JVM.
 */
final class WindowedMapping {

    static final long DEFAULT_WINDOW = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final long window;            // bytes per mapping; smaller only in tests of the boundary splitting
    private final Map<Long, MappedByteBuffer> windows = new HashMap<>();

    WindowedMapping(Path path, FileChannel channel, long size, long window) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.window = window;
    }

    long size() {
        return size;
    }

    private ByteBuffer window(long index) throws IOException {
        MappedByteBuffer w = windows.get(index);
        if (w == null) {
            long start = index * window;
            w = channel.map(FileChannel.MapMode.READ_ONLY, start, Math.min(window, size - start));
            windows.put(index, w);
        }
        return w.duplicate();
    }

    /** Copies {@code length} bytes at {@code position} of the file into native memory at {@code dst + dstOffset}. */
    void copyTo(long position, long length, Pointer dst, long dstOffset) throws IOException {
        if (position < 0 || length < 0 || position + length > size) {
            throw new SafetensorsException(path, "read of " + length + " bytes at " + position
                    + " runs past the end of the file (" + size + " bytes)");
        }
        BytePointer out = new BytePointer(dst);
        while (length > 0) {
            long index = position / window;
            int within = (int) (position - index * window);
            ByteBuffer src = window(index);
            int n = (int) Math.min(length, src.capacity() - within);
            src.position(within).limit(within + n);
            out.position(dstOffset).limit(dstOffset + n);
            out.asByteBuffer().put(src);
            position += n;
            dstOffset += n;
            length -= n;
        }
    }

    /** {@code length} bytes at {@code position} as a Java array. */
    byte[] bytes(long position, int length) throws IOException {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long p = position + done;
            long index = p / window;
            int within = (int) (p - index * window);
            ByteBuffer src = window(index);
            int n = Math.min(length - done, src.capacity() - within);
            src.position(within);
            src.get(out, done, n);
            done += n;
        }
        return out;
    }
}
