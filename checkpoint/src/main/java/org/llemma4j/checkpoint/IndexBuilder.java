package org.llemma4j.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.llemma4j.checkpoint.io.Checksums;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.checkpoint.safetensors.TensorInfo;

/**
 * Builds a manifest's tensor index and file list from the data files of a step directory, and checks that the
 * pieces of every tensor tile it exactly: blocks cover the split dimension with no gap or overlap, and each
 * block's pieces cover the block. A save where some rank's file is missing or wrong fails here, before it can
 * become {@code latest}.
 */
final class IndexBuilder {

    record Index(Map<String, TensorEntry> tensors, Map<String, FileEntry> files) {
    }

    private IndexBuilder() {
    }

    static Index build(Path dir) throws IOException {
        List<Path> dataFiles;
        try (Stream<Path> s = Files.list(dir)) {
            dataFiles = s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        if (dataFiles.isEmpty()) {
            throw new CheckpointException(dir + ": no .safetensors files were written");
        }
        Map<String, List<SliceLocation>> slices = new TreeMap<>();
        Map<String, TensorEntry> heads = new TreeMap<>();
        Map<String, FileEntry> files = new TreeMap<>();
        for (Path file : dataFiles) {
            String fileName = file.getFileName().toString();
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                String json = f.metadata().get(StoredPiece.METADATA_KEY);
                if (json == null) {
                    throw new CheckpointException(file + ": no " + StoredPiece.METADATA_KEY
                            + " metadata; not a checkpoint data file");
                }
                Map<String, StoredPiece> pieces = StoredPiece.fromJson(file, json);
                for (String key : f.names()) {
                    StoredPiece p = pieces.get(key);
                    if (p == null) {
                        throw new CheckpointException(file + ": tensor " + key + " is not described in "
                                + StoredPiece.METADATA_KEY);
                    }
                    TensorInfo info = f.info(key);
                    TensorEntry head = new TensorEntry(info.dtype().name(), p.shape(), p.shardDim(), List.of());
                    TensorEntry seen = heads.putIfAbsent(p.name(), head);
                    if (seen != null && !(seen.dtype().equals(head.dtype()) && Arrays.equals(seen.shape(), head.shape())
                            && seen.shardDim() == head.shardDim())) {
                        throw new CheckpointException(file + ": tensor " + p.name() + " is " + head.dtype()
                                + Arrays.toString(head.shape()) + " " + head.shardDim() + " here but "
                                + seen.dtype() + Arrays.toString(seen.shape()) + " " + seen.shardDim()
                                + " in " + slices.get(p.name()).get(0).file());
                    }
                    long blockNumel = head.blockNumel(p.length());
                    boolean whole = p.flatStart() == 0 && Arrays.equals(info.shape(), head.blockShape(p.length()));
                    long numel = 1;
                    for (long s : info.shape()) {
                        numel *= s;
                    }
                    if (!whole && (info.shape().length != 1 || p.flatStart() + numel > blockNumel)) {
                        throw new CheckpointException(file + ": tensor " + key + " of shape "
                                + Arrays.toString(info.shape()) + " at flat_start " + p.flatStart()
                                + " does not fit its block " + Arrays.toString(head.blockShape(p.length())));
                    }
                    slices.computeIfAbsent(p.name(), n -> new ArrayList<>())
                            .add(new SliceLocation(fileName, key, p.offset(), p.length(), p.flatStart(), numel));
                }
            }
            files.put(fileName, new FileEntry(Files.size(file), checksum(file)));
        }
        Map<String, TensorEntry> tensors = new TreeMap<>();
        for (Map.Entry<String, List<SliceLocation>> e : slices.entrySet()) {
            TensorEntry head = heads.get(e.getKey());
            List<SliceLocation> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparingLong(SliceLocation::offset).thenComparingLong(SliceLocation::flatStart));
            TensorEntry entry = new TensorEntry(head.dtype(), head.shape(), head.shardDim(), sorted);
            checkCoverage(e.getKey(), entry);
            tensors.put(e.getKey(), entry);
        }
        return new Index(tensors, files);
    }

    /**
     * The CRC-32C the writing rank left next to the file, or, when there is none (or it is malformed), one computed
     * by reading the file. The sidecar is consumed: it never becomes part of the step directory.
     */
    private static String checksum(Path file) throws IOException {
        Path sidecar = CheckpointNames.checksumSidecar(file);
        String crc = null;
        if (Files.isRegularFile(sidecar)) {
            String s = Files.readString(sidecar, java.nio.charset.StandardCharsets.US_ASCII).strip();
            crc = s.matches("[0-9a-f]{8}") ? s : null;
            Files.delete(sidecar);
        }
        return crc != null ? crc : Checksums.crc32c(file);
    }

    /** Blocks tile the split dimension; pieces tile each block. Errors name the tensor and the files at fault. */
    static void checkCoverage(String name, TensorEntry entry) throws CheckpointException {
        long[] shape = entry.shape();
        long dimSize = shape.length == 0 ? 1 : shape[entry.blockDim()];
        long nextOffset = 0;
        long nextFlat = 0;
        SliceLocation previous = null;
        for (SliceLocation s : entry.slices()) {
            boolean sameBlock = previous != null && s.offset() == previous.offset();
            if (sameBlock && s.length() != previous.length()) {
                throw new CheckpointException("tensor " + name + ": block at " + s.offset() + " has length "
                        + s.length() + " in " + s.file() + " but " + previous.length() + " in " + previous.file());
            }
            if (!sameBlock) {
                if (previous != null && nextFlat != entry.blockNumel(previous.length())) {
                    throw gap(name, previous, nextFlat, entry.blockNumel(previous.length()));
                }
                if (s.offset() != nextOffset) {
                    throw new CheckpointException("tensor " + name + ": " + (s.offset() > nextOffset
                            ? "no file holds [" + nextOffset + ", " + s.offset() + ")"
                            : "[" + s.offset() + ", " + nextOffset + ") is held twice (" + s.file() + ", "
                            + previous.file() + ")") + " of dimension " + entry.blockDim());
                }
                nextOffset = s.offset() + s.length();
                nextFlat = 0;
            }
            if (s.flatStart() != nextFlat) {
                throw new CheckpointException("tensor " + name + ": block [" + s.offset() + ", "
                        + (s.offset() + s.length()) + ") " + (s.flatStart() > nextFlat
                        ? "misses elements [" + nextFlat + ", " + s.flatStart() + ")"
                        : "has elements [" + s.flatStart() + ", " + nextFlat + ") twice") + " (" + s.file() + ")");
            }
            nextFlat += s.flatLength();
            previous = s;
        }
        if (previous == null) {
            throw new CheckpointException("tensor " + name + ": no file holds any of it");
        }
        if (nextFlat != entry.blockNumel(previous.length())) {
            throw gap(name, previous, nextFlat, entry.blockNumel(previous.length()));
        }
        if (nextOffset != dimSize) {
            throw new CheckpointException("tensor " + name + ": no file holds [" + nextOffset + ", " + dimSize
                    + ") of dimension " + entry.blockDim());
        }
    }

    private static CheckpointException gap(String name, SliceLocation s, long have, long want) {
        return new CheckpointException("tensor " + name + ": block [" + s.offset() + ", " + (s.offset() + s.length())
                + ") misses elements [" + have + ", " + want + ") (after " + s.file() + ")");
    }
}
