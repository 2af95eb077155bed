package org.llemma4j.checkpoint.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A real file channel that fails like a full disk once {@code budget} bytes have been written. */
public final class FailingChannel extends FileChannel {

    private final FileChannel inner;
    private long budget;

    private FailingChannel(FileChannel inner, long budget) {
        this.inner = inner;
        this.budget = budget;
    }

    /** An opener whose channels accept {@code budget} bytes, then throw "No space left on device". */
    public static ChannelOpener after(long budget) {
        return (Path p) -> new FailingChannel(
                FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), budget);
    }

    private void spend(long n) throws IOException {
        if (n > budget) {
            throw new IOException("No space left on device");
        }
        budget -= n;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        spend(src.remaining());
        return inner.write(src, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        spend(src.remaining());
        return inner.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return inner.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return inner.read(dsts, offset, length);
    }

    @Override
    public long position() throws IOException {
        return inner.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        inner.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return inner.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        inner.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        inner.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return inner.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        spend(count);
        return inner.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return inner.read(dst, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return inner.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return inner.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return inner.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        inner.close();
    }
}
