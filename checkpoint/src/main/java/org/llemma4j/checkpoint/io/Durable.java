package org.llemma4j.checkpoint.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The few file-system operations a crash-safe save is built from. A rename is atomic on POSIX file systems, but
 * it is only durable once the directory holding the entry is fsynced, and the renamed data only once the file
 * itself is; so every helper here fsyncs both.
 */
public final class Durable {

    private Durable() {
    }

    /** A short random token for temporary names, so two writers never collide on one temp path. */
    public static String nonce() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Flushes a regular file's data and metadata to the device. */
    public static void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Flushes a directory's entries (creations, renames, deletions) to the device. Linux allows opening a
     * directory read-only and fsyncing it; on systems that refuse, the rename is still atomic, only its
     * durability across a power cut is weaker, so that refusal is not an error.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    /** Renames {@code from} to {@code to} atomically (replacing a file at {@code to}) and fsyncs the parent. */
    public static void atomicRename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
        }
        fsyncDirectory(to.toAbsolutePath().getParent());
    }

    /**
     * Replaces {@code target} with {@code content}: written to a temporary sibling, fsynced, renamed over the
     * target. A reader sees the old content or the new one, never a torn file.
     */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + nonce());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            atomicRename(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes a directory tree; entries that vanish meanwhile (another process cleaning up) are not errors. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException ignored) {
                    // already gone
                }
            }
        } catch (java.io.UncheckedIOException e) {
            if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e.getCause();
            }
        }
    }
}
