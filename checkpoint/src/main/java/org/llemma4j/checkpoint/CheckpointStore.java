package org.llemma4j.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.llemma4j.checkpoint.io.Checksums;
import org.llemma4j.checkpoint.io.Durable;

/**
 * A save directory: {@code latest}, complete {@code step-NNNNNN/} directories, and the temporary directories of
 * saves in progress.
 *
 * <p>A save: every rank calls {@link #beginSave(long, String)} with the same save id (any token the ranks agree
 * on, e.g. the step plus the run's start time) and writes its files with a {@link ShardWriter}; after a barrier,
 * rank 0 calls {@link #commit}. Until {@code commit} replaces {@code latest}, the previous checkpoint is what
 * {@link #latest()} returns, whatever happened to the new one; a crash at any point leaves at worst a stray
 * temporary directory (ignored, and deleted by the next commit) or a complete step directory that {@code latest}
 * does not name yet (kept until pruned).
 */
public final class CheckpointStore {

    private final Path saveDir;
    private final int keepLast;
    private final SaveHook hook;

    /** A store that keeps every checkpoint. */
    public CheckpointStore(Path saveDir) {
        this(saveDir, 0, SaveHook.NONE);
    }

    /**
     * @param keepLast how many newest step directories to keep ({@code <= 0}: all); the one {@code latest} names is
     *                 never deleted
     * @param hook     called between the phases of a commit (tests inject failures there)
     */
    public CheckpointStore(Path saveDir, int keepLast, SaveHook hook) {
        this.saveDir = saveDir;
        this.keepLast = keepLast;
        this.hook = hook;
    }

    public Path saveDir() {
        return saveDir;
    }

    /** The directory of a complete step. */
    public Path stepDir(long step) {
        return saveDir.resolve(CheckpointNames.stepDir(step));
    }

    /** Creates (if needed) and returns the temporary directory of save {@code saveId} of {@code step}. */
    public Path beginSave(long step, String saveId) throws IOException {
        Files.createDirectories(saveDir);
        Path tmp = saveDir.resolve(CheckpointNames.tempStepDir(step, saveId));
        Files.createDirectories(tmp);
        return tmp;
    }

    /** {@link #beginSave(long, String)} with a fresh random id: for a single process. */
    public Path beginSave(long step) throws IOException {
        return beginSave(step, Durable.nonce());
    }

    /** Deletes the temporary directory of a save that will not be committed. */
    public void abort(Path tempDir) throws IOException {
        requireTemp(tempDir);
        Durable.deleteTree(tempDir);
    }

    private void requireTemp(Path tempDir) {
        if (!tempDir.toAbsolutePath().getParent().equals(saveDir.toAbsolutePath())
                || !CheckpointNames.isTempStepDir(tempDir.getFileName().toString())) {
            throw new IllegalArgumentException(tempDir + " is not a temporary step directory of " + saveDir);
        }
    }

    /**
     * Completes a save (rank 0, after every rank has written its files into {@code tempDir}): builds and checks the
     * tensor index, writes {@code manifest.json} with a CRC-32C per file, fsyncs, renames the directory to
     * {@code step-NNNNNN}, points {@code latest} at it, then deletes step directories beyond {@code keepLast} and
     * stale temporary directories.
     *
     * @param state the manifest without index ({@link Manifest#forSave}); its step names the directory
     * @return the manifest as written
     */
    public Manifest commit(Path tempDir, Manifest state) throws IOException {
        requireTemp(tempDir);
        String expectedPrefix = "." + CheckpointNames.stepDir(state.step()) + ".tmp-";
        if (!tempDir.getFileName().toString().startsWith(expectedPrefix)) {
            throw new IllegalArgumentException(tempDir + " is not a temporary directory of step " + state.step());
        }
        Path finalDir = stepDir(state.step());
        if (finalDir.getFileName().toString().equals(latestName())) {
            // Replacing the directory latest names would leave latest dangling between the two renames.
            throw new CheckpointException(saveDir.resolve(CheckpointNames.LATEST) + " already names "
                    + finalDir.getFileName() + "; refusing to overwrite the latest checkpoint with a new save of step "
                    + state.step());
        }
        deleteWriterLeftovers(tempDir);
        IndexBuilder.Index index = IndexBuilder.build(tempDir);
        deleteOrphanSidecars(tempDir);
        Manifest manifest = state.withIndex(index.tensors(), index.files());
        hook.reached(SavePhase.INDEXED);

        Path manifestFile = tempDir.resolve(Manifest.FILE_NAME);
        Files.write(manifestFile, manifest.toJson());
        hook.reached(SavePhase.MANIFEST_WRITTEN);

        try (Stream<Path> s = Files.list(tempDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Durable.fsyncFile(p);
            }
        }
        Durable.fsyncDirectory(tempDir);
        hook.reached(SavePhase.SYNCED);

        if (Files.exists(finalDir)) {
            // A step saved before and never made latest (a crash after the rename, then a resume from the step
            // before): move the old one aside first, since a rename cannot replace a non-empty directory.
            Path aside = saveDir.resolve("." + finalDir.getFileName() + ".old-" + Durable.nonce());
            Files.move(finalDir, aside);
            Files.move(tempDir, finalDir);
            Durable.fsyncDirectory(saveDir);
            Durable.deleteTree(aside);
        } else {
            Files.move(tempDir, finalDir);
            Durable.fsyncDirectory(saveDir);
        }
        hook.reached(SavePhase.RENAMED);

        Durable.writeAtomically(saveDir.resolve(CheckpointNames.LATEST),
                (finalDir.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
        hook.reached(SavePhase.LATEST_UPDATED);

        prune(finalDir.getFileName().toString());
        hook.reached(SavePhase.PRUNED);
        return manifest;
    }

    /** Temporary files of writers that died mid-file: never part of a checkpoint. */
    private static void deleteWriterLeftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.contains(".tmp-")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Checksum sidecars whose data file is gone (IndexBuilder consumed the others). */
    private static void deleteOrphanSidecars(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().endsWith(CheckpointNames.CHECKSUM_SUFFIX)) {
                    Files.delete(p);
                }
            }
        }
    }

    private void prune(String keep) throws IOException {
        List<Path> steps = new ArrayList<>();
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(saveDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (CheckpointNames.parseStepDir(n) >= 0 && Files.isDirectory(p)) {
                    steps.add(p);
                } else if (CheckpointNames.isTempStepDir(n) || (n.startsWith(".step-") && n.contains(".old-"))) {
                    stale.add(p);
                }
            }
        }
        steps.sort((a, b) -> Long.compare(CheckpointNames.parseStepDir(b.getFileName().toString()),
                CheckpointNames.parseStepDir(a.getFileName().toString())));
        if (keepLast > 0) {
            for (int i = keepLast; i < steps.size(); i++) {
                if (!steps.get(i).getFileName().toString().equals(keep)) {
                    Durable.deleteTree(steps.get(i));
                }
            }
        }
        for (Path p : stale) {
            Durable.deleteTree(p);
        }
        Durable.fsyncDirectory(saveDir);
    }

    /** The name {@code latest} holds, or null when there is none. */
    private String latestName() throws IOException {
        try {
            return Files.readString(saveDir.resolve(CheckpointNames.LATEST), StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * The step directory {@code latest} names, or empty when there is no {@code latest} (nothing saved yet). A
     * {@code latest} that names a missing directory, or one without a manifest, is an error naming both.
     */
    public Optional<Path> latest() throws IOException {
        Path latest = saveDir.resolve(CheckpointNames.LATEST);
        String name = latestName();
        if (name == null) {
            return Optional.empty();
        }
        if (CheckpointNames.parseStepDir(name) < 0) {
            throw new CheckpointException(latest + " should name a step directory (step-NNNNNN), but holds \""
                    + name + "\"");
        }
        Path dir = saveDir.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(latest + " names " + name + ", but " + dir + " does not exist");
        }
        if (!Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
            throw new CheckpointException(latest + " names " + name + ", but " + dir.resolve(Manifest.FILE_NAME)
                    + " does not exist");
        }
        return Optional.of(dir);
    }

    /** The manifest of a step directory. */
    public Manifest readManifest(Path stepDir) throws CheckpointException {
        return Manifest.read(stepDir.resolve(Manifest.FILE_NAME));
    }

    /**
     * Checks every file the manifest lists: present, of the recorded size, with the recorded CRC-32C. Reads every
     * byte, so it costs a full read of the checkpoint.
     */
    public Manifest verify(Path stepDir) throws IOException {
        Manifest m = readManifest(stepDir);
        for (Map.Entry<String, FileEntry> e : m.files().entrySet()) {
            Path f = stepDir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                throw new CheckpointException(f + ": listed in the manifest but missing");
            }
            long size = Files.size(f);
            if (size != e.getValue().bytes()) {
                throw new CheckpointException(f + ": " + size + " bytes, the manifest says "
                        + e.getValue().bytes());
            }
            String crc = Checksums.crc32c(f);
            if (!crc.equals(e.getValue().crc32c())) {
                throw new CheckpointException(f + ": CRC-32C " + crc + " does not match the manifest's "
                        + e.getValue().crc32c());
            }
        }
        return m;
    }

    /** Opens a step directory for reading. */
    public CheckpointReader open(Path stepDir) throws CheckpointException {
        return new CheckpointReader(stepDir, readManifest(stepDir));
    }
}
