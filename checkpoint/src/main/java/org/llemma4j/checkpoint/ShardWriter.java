package org.llemma4j.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.checkpoint.io.Durable;
import org.llemma4j.checkpoint.safetensors.ChannelOpener;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsWriter;
import org.llemma4j.checkpoint.safetensors.TensorSpec;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/**
 * Writes one rank's files into the temporary directory of a save ({@link CheckpointStore#beginSave}).
 *
 * <p>Who writes what: the model file of TP rank t is written by the rank with coordinates (t, dp 0); every rank
 * writes its own optimizer file. Replicated tensors (norm weights and their optimizer state) are written by TP
 * rank 0 only: the other TP ranks hold identical copies.
 */
public final class ShardWriter {

    private final Path dir;
    private final ParallelLayout layout;
    private final ChannelOpener opener;

    public ShardWriter(Path tempStepDir, ParallelLayout layout) {
        this(tempStepDir, layout, ChannelOpener.DEFAULT);
    }

    /** With a custom opener: tests use one that fails like a full disk. */
    public ShardWriter(Path tempStepDir, ParallelLayout layout, ChannelOpener opener) {
        this.dir = tempStepDir;
        this.layout = layout;
        this.opener = opener;
    }

    /** Writes {@code model-tpXX-of-YY.safetensors}: the blocks TP rank {@code tpRank} holds, in their own dtype. */
    public Path writeModel(int tpRank, List<ShardedTensor> tensors) throws IOException {
        checkRank("tp", tpRank, layout.tp());
        Path file = dir.resolve(CheckpointNames.modelFile(tpRank, layout.tp()));
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, StoredPiece> pieces = new LinkedHashMap<>();
        List<ShardedTensor> kept = new ArrayList<>();
        for (ShardedTensor t : tensors) {
            if (t.shardDim() == ShardDim.REPLICATED && tpRank != 0) {
                continue;
            }
            long[] block = ShardedTensor.blockShape(t.spec(), layout.tp());
            long[] actual = shape(t.local());
            if (!Arrays.equals(block, actual)) {
                throw new CheckpointException(file + ": tensor " + t.name() + " of global shape "
                        + Arrays.toString(t.spec().fullShape()) + " split by " + t.shardDim() + " over tp "
                        + layout.tp() + " needs a block of shape " + Arrays.toString(block) + ", got "
                        + Arrays.toString(actual));
            }
            int d = t.shardDim() == ShardDim.REPLICATED ? 0 : t.shardDim().dim();
            long length = block.length == 0 ? 1 : block[d];
            long offset = t.shardDim() == ShardDim.REPLICATED ? 0 : tpRank * length;
            specs.add(new TensorSpec(t.name(), dtype(file, t.name(), t.local()), block));
            pieces.put(t.name(), new StoredPiece(t.name(), t.spec().fullShape(), t.shardDim(), offset, length, 0));
            kept.add(t);
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs,
                Map.of(StoredPiece.METADATA_KEY, StoredPiece.toJson(pieces)), opener)) {
            Map<String, ShardedTensor> byName = new LinkedHashMap<>();
            for (ShardedTensor t : kept) {
                byName.put(t.name(), t);
            }
            for (String name : w.dataOrder()) {
                w.write(name, byName.get(name).local());
            }
            finish(w);
        }
        return file;
    }

    /**
     * Writes {@code model-tpXX-of-YY.safetensors} streaming: each block is requested from {@code blocks} (by
     * parameter name) only when it is written, converted to {@code dtype}, and freed before the next one. This is
     * how a whole model is converted without ever holding it in memory.
     */
    public Path writeModel(int tpRank, List<ParamSpec> params, SafetensorsDtype dtype, TensorSource blocks)
            throws IOException {
        checkRank("tp", tpRank, layout.tp());
        Path file = dir.resolve(CheckpointNames.modelFile(tpRank, layout.tp()));
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, StoredPiece> pieces = new LinkedHashMap<>();
        List<ParamSpec> kept = new ArrayList<>();
        for (ParamSpec p : params) {
            if (p.shardDim() == ShardDim.REPLICATED && tpRank != 0) {
                continue;
            }
            long[] block = ShardedTensor.blockShape(p, layout.tp());
            int d = p.shardDim() == ShardDim.REPLICATED ? 0 : p.shardDim().dim();
            long length = block.length == 0 ? 1 : block[d];
            long offset = p.shardDim() == ShardDim.REPLICATED ? 0 : tpRank * length;
            specs.add(new TensorSpec(p.name(), dtype, block));
            pieces.put(p.name(), new StoredPiece(p.name(), p.fullShape(), p.shardDim(), offset, length, 0));
            kept.add(p);
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs,
                Map.of(StoredPiece.METADATA_KEY, StoredPiece.toJson(pieces)), opener)) {
            for (int i = 0; i < kept.size(); i++) {        // one dtype: data order is declaration order
                try (PointerScope scope = new PointerScope()) {
                    Tensor t = blocks.tensor(kept.get(i).name());
                    long[] actual = shape(t);
                    if (!Arrays.equals(actual, specs.get(i).shape())) {
                        throw new CheckpointException(file + ": tensor " + kept.get(i).name() + " of global shape "
                                + Arrays.toString(kept.get(i).fullShape()) + " split by " + kept.get(i).shardDim()
                                + " over tp " + layout.tp() + " needs a block of shape "
                                + Arrays.toString(specs.get(i).shape()) + ", got " + Arrays.toString(actual));
                    }
                    w.write(kept.get(i).name(), t.to(dtype.torchType()));
                }
            }
            finish(w);
        }
        return file;
    }

    /** Writes {@code optim-tpXX-dpYYY.safetensors}: this rank's optimizer pieces, three 1-D tensors each. */
    public Path writeOptimizer(int tpRank, int dpRank, List<OptimizerPiece> pieces) throws IOException {
        checkRank("tp", tpRank, layout.tp());
        checkRank("dp", dpRank, layout.dp());
        Path file = dir.resolve(CheckpointNames.optimFile(tpRank, dpRank));
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, StoredPiece> stored = new LinkedHashMap<>();
        Map<String, Tensor> data = new LinkedHashMap<>();
        for (OptimizerPiece p : pieces) {
            ParamSpec param = p.param();
            if (param.shardDim() == ShardDim.REPLICATED && tpRank != 0) {
                continue;
            }
            long[] block = ShardedTensor.blockShape(param, layout.tp());
            long blockNumel = ShardedTensor.blockNumel(param, layout.tp());
            if (p.flatStart() < 0 || p.flatStart() + p.length() > blockNumel) {
                throw new CheckpointException(file + ": optimizer piece of " + param.name() + " covers elements ["
                        + p.flatStart() + ", " + (p.flatStart() + p.length()) + ") of a block of " + blockNumel);
            }
            int d = param.shardDim() == ShardDim.REPLICATED ? 0 : param.shardDim().dim();
            long length = block.length == 0 ? 1 : block[d];
            long offset = param.shardDim() == ShardDim.REPLICATED ? 0 : tpRank * length;
            for (String state : List.of(OptimizerNames.MASTER, OptimizerNames.EXP_AVG, OptimizerNames.EXP_AVG_SQ)) {
                Tensor t = switch (state) {
                    case OptimizerNames.MASTER -> p.master();
                    case OptimizerNames.EXP_AVG -> p.expAvg();
                    default -> p.expAvgSq();
                };
                String name = OptimizerNames.of(param.name(), state);
                if (t.dim() != 1 || t.numel() != p.length()) {
                    throw new CheckpointException(file + ": tensor " + name + " must be 1-D of " + p.length()
                            + " elements, got shape " + Arrays.toString(shape(t)));
                }
                if (stored.containsKey(name)) {
                    throw new CheckpointException(file + ": tensor " + name + " is given twice by this rank");
                }
                specs.add(new TensorSpec(name, dtype(file, name, t), new long[] {p.length()}));
                stored.put(name, new StoredPiece(name, param.fullShape(), param.shardDim(), offset, length,
                        p.flatStart()));
                data.put(name, t);
            }
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs,
                Map.of(StoredPiece.METADATA_KEY, StoredPiece.toJson(stored)), opener)) {
            for (String name : w.dataOrder()) {
                w.write(name, data.get(name));
            }
            finish(w);
        }
        return file;
    }

    /**
     * Finishes the file and leaves its checksum next to it ({@code <file>.crc32c}), so that rank 0 does not have to
     * read every rank's data back at commit. A stale sidecar is deleted first: a crash between the two writes
     * leaves a file without one, which commit then checksums itself.
     */
    private static void finish(SafetensorsWriter w) throws IOException {
        Path sidecar = CheckpointNames.checksumSidecar(w.target());
        Files.deleteIfExists(sidecar);
        w.finish();
        if (w.crc32c().isPresent()) {
            Durable.writeAtomically(sidecar, w.crc32c().get().getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void checkRank(String what, int rank, int size) {
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException(what + " rank " + rank + " is outside 0.." + (size - 1));
        }
    }

    private static SafetensorsDtype dtype(Path file, String name, Tensor t) throws CheckpointException {
        try {
            return SafetensorsDtype.of(t.scalar_type());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": tensor " + name + ": " + e.getMessage());
        }
    }

    static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }
}
