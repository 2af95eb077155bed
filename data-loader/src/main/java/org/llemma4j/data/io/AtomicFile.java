package org.llemma4j.data.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file written under a temporary name in the target's directory and renamed over the target only by
 * {@link #commit()}. A crash or exception before the commit leaves the old target (or nothing) in place, never a
 * half-written file that a later run would read as complete. {@link #close()} without a commit deletes the
 * temporary file.
 */
public final class AtomicFile implements AutoCloseable {

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean committed;
    private boolean closed;

    private AtomicFile(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /** Opens a fresh temporary file next to {@code target}; the target itself is untouched until the commit. */
    public static AtomicFile create(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot write " + target + ": directory " + dir + " does not exist");
        }
        // Same directory as the target, so the final rename never crosses file systems. Not createTempFile: its
        // owner-only permissions would survive the rename, and outputs should get the usual umask permissions.
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            try {
                FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return new AtomicFile(absolute, temp, channel);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    public Path target() {
        return target;
    }

    public Path tempPath() {
        return temp;
    }

    /** The channel to write the content through; do not close it, {@link #commit()} does. */
    public FileChannel channel() {
        return channel;
    }

    /** Flushes the content to disk, renames it over the target and makes the rename itself durable. */
    public void commit() throws IOException {
        commitAll(this);
    }

    /**
     * Commits several files together: all contents reach the disk before the first rename, so a crash between two
     * renames leaves complete files only. The renames happen in argument order; readers that look for the last
     * file (the {@code .idx} of an indexed dataset) therefore never see it before the others.
     */
    public static void commitAll(AtomicFile... files) throws IOException {
        for (AtomicFile f : files) {
            if (f.committed || f.closed) {
                throw new IllegalStateException(f.target + " was already committed or closed");
            }
            f.channel.force(true);
            f.channel.close();
        }
        for (AtomicFile f : files) {
            try {
                Files.move(f.temp, f.target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(f.temp, f.target, StandardCopyOption.REPLACE_EXISTING);
            }
            f.committed = true;
            f.closed = true;
        }
        for (AtomicFile f : files) {
            syncDirectory(f.target.getParent());
        }
    }

    /** Without this, the rename may be lost on power failure even though the data blocks are on disk. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for reading; the rename is still atomic there.
        }
    }

    /** Abandons an uncommitted file: the temporary copy is deleted and the target stays as it was. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
