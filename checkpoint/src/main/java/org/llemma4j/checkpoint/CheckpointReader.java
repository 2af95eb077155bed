package org.llemma4j.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/**
 * Reads tensors out of a complete step directory for any tensor-parallel layout: the slice a target rank needs
 * is assembled from the overlapping blocks of whatever files hold them (saved at TP=2 and read at TP=1
 * concatenates, saved at TP=1 and read at TP=2 narrows, TP=2 to TP=4 takes half of each block). Where a block is
 * stored whole, only the bytes of the needed rows or columns are read.
 *
 * <p>Files are opened on first use and memory-mapped; {@link #close()} closes them. Returned tensors are fresh
 * CPU tensors in the stored dtype, owned like any libtorch result (see {@link NativeScopes}).
 */
public final class CheckpointReader implements AutoCloseable {

    private final Path dir;
    private final Manifest manifest;
    private final Map<String, SafetensorsFile> open = new HashMap<>();

    public CheckpointReader(Path stepDir, Manifest manifest) {
        this.dir = stepDir;
        this.manifest = manifest;
    }

    public Manifest manifest() {
        return manifest;
    }

    public Path dir() {
        return dir;
    }

    /** The whole tensor. */
    public Tensor read(String name) throws IOException {
        return readShard(name, 1, 0);
    }

    /**
     * The block of {@code name} that TP rank {@code tpRank} of {@code tp} holds: the whole tensor when it is
     * replicated, otherwise block {@code tpRank} of {@code tp} equal blocks along its split dimension.
     */
    public Tensor readShard(String name, int tp, int tpRank) throws IOException {
        TensorEntry entry = manifest.tensor(name);
        if (tpRank < 0 || tpRank >= tp) {
            throw new IllegalArgumentException("tp rank " + tpRank + " is outside 0.." + (tp - 1));
        }
        long[] shape = entry.shape();
        int d = entry.blockDim();
        long size = shape.length == 0 ? 1 : shape[d];
        long start = 0;
        long length = size;
        if (entry.shardDim() != ShardDim.REPLICATED) {
            if (size % tp != 0) {
                throw new CheckpointException("tensor " + name + " of shape " + Arrays.toString(shape)
                        + ": dimension " + d + " of size " + size + " is not divisible by tp " + tp);
            }
            length = size / tp;
            start = tpRank * length;
        }
        PointerScope outer = PointerScope.getInnerScope();
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> parts = new ArrayList<>();
            for (List<SliceLocation> block : blocks(entry)) {
                SliceLocation first = block.get(0);
                long a = Math.max(start, first.offset());
                long b = Math.min(start + length, first.offset() + first.length());
                if (a >= b) {
                    continue;
                }
                parts.add(readPart(name, entry, block, a - first.offset(), b - a));
            }
            Tensor out = parts.size() == 1 ? parts.get(0) : torch.cat(new TensorVector(parts.toArray(new Tensor[0])), d);
            return NativeScopes.escape(out.contiguous(), outer);
        }
    }

    /** Elements [from, from + n) along the split dimension of one block. */
    private Tensor readPart(String name, TensorEntry entry, List<SliceLocation> block, long from, long n)
            throws IOException {
        SliceLocation first = block.get(0);
        boolean whole = block.size() == 1 && first.flatStart() == 0
                && first.flatLength() == entry.blockNumel(first.length());
        if (whole) {
            SafetensorsFile f = file(first.file());
            long[] stored = f.info(first.key()).shape();
            if (stored.length == 0) {
                return f.read(first.key());
            }
            if (stored.length == entry.shape().length) {
                if (from == 0 && n == first.length()) {
                    return f.read(first.key());
                }
                return f.readSlice(first.key(), entry.blockDim(), from, n);
            }
        }
        // Pieces of a ZeRO-sharded block: concatenate the 1-D pieces in flat order, then shape and cut.
        List<Tensor> pieces = new ArrayList<>();
        for (SliceLocation s : block) {
            pieces.add(file(s.file()).read(s.key()).reshape(-1));
        }
        Tensor flat = pieces.size() == 1 ? pieces.get(0) : torch.cat(new TensorVector(pieces.toArray(new Tensor[0])), 0);
        if (flat.numel() != entry.blockNumel(first.length())) {
            throw new CheckpointException("tensor " + name + ": block at " + first.offset() + " has " + flat.numel()
                    + " elements in its files, expected " + entry.blockNumel(first.length()));
        }
        Tensor shaped = flat.reshape(entry.blockShape(first.length()));
        return shaped.narrow(entry.blockDim(), from, n);
    }

    /** Slices grouped by block, in offset order (the manifest keeps them sorted). */
    private static List<List<SliceLocation>> blocks(TensorEntry entry) {
        List<List<SliceLocation>> out = new ArrayList<>();
        for (SliceLocation s : entry.slices()) {
            if (out.isEmpty() || out.get(out.size() - 1).get(0).offset() != s.offset()) {
                out.add(new ArrayList<>());
            }
            out.get(out.size() - 1).add(s);
        }
        return out;
    }

    /**
     * A range of a rank's flat optimizer buffer: elements {@code [start, start + length)} of the concatenation, in
     * {@code order}, of the TP blocks of {@code state} ({@link OptimizerNames}) of each parameter at layout
     * {@code tp} / {@code tpRank}. This is what a ZeRO-1 rank restores into its shard, whatever DP and TP degree
     * the checkpoint was saved with.
     */
    public Tensor readFlat(String state, List<ParamSpec> order, int tp, int tpRank, long start, long length)
            throws IOException {
        PointerScope outer = PointerScope.getInnerScope();
        Tensor direct = readFlatDirect(state, order, tp, tpRank, start, length);
        if (direct != null) {
            return NativeScopes.escape(direct, outer);
        }
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> parts = new ArrayList<>();
            long p = 0;
            for (ParamSpec param : order) {
                long n = ShardedTensor.blockNumel(param, tp);
                long a = Math.max(p, start);
                long b = Math.min(p + n, start + length);
                if (a < b) {
                    Tensor block = readShard(OptimizerNames.of(param.name(), state), tp, tpRank).reshape(-1);
                    parts.add(block.narrow(0, a - p, b - a));
                }
                p += n;
            }
            if (start + length > p) {
                throw new CheckpointException("flat range [" + start + ", " + (start + length)
                        + ") runs past the " + p + " elements of the parameters given");
            }
            Tensor out = parts.size() == 1 ? parts.get(0) : torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
            return NativeScopes.escape(out.contiguous(), outer);
        }
    }

    /**
     * {@link #readFlat} when every parameter in the range is stored in blocks of this very TP layout (the usual
     * resume: same TP degree, any DP degree or ZeRO sharding) in one dtype: the bytes are copied from the mapped
     * files straight into the result, without per-parameter tensors and a concatenation (a 16 MB state: 0.02-0.05 s
     * instead of 0.2-0.5 s on the loaded 2-core development machine). Returns null when that does not hold; the general path then does the work and
     * reports any inconsistency.
     */
    private Tensor readFlatDirect(String state, List<ParamSpec> order, int tp, int tpRank, long start, long length)
            throws IOException {
        record Copy(SafetensorsFile file, String key, long element, long count, long to) {
        }
        List<Copy> copies = new ArrayList<>();
        String dtype = null;
        long p = 0;
        for (ParamSpec param : order) {
            long n = ShardedTensor.blockNumel(param, tp);
            long a = Math.max(p, start);
            long b = Math.min(p + n, start + length);
            if (a < b) {
                TensorEntry entry = manifest.tensors().get(OptimizerNames.of(param.name(), state));
                if (entry == null || (dtype != null && !dtype.equals(entry.dtype()))) {
                    return null;
                }
                dtype = entry.dtype();
                long[] shape = entry.shape();
                long size = shape.length == 0 ? 1 : shape[entry.blockDim()];
                boolean replicated = entry.shardDim() == ShardDim.REPLICATED;
                if (!replicated && size % tp != 0) {
                    return null;
                }
                long blockLength = replicated ? size : size / tp;
                long blockOffset = replicated ? 0 : tpRank * blockLength;
                long covered = 0;
                for (SliceLocation slice : entry.slices()) {
                    if (slice.offset() != blockOffset) {
                        continue;
                    }
                    if (slice.length() != blockLength) {
                        return null;
                    }
                    long from = Math.max(a - p, slice.flatStart());
                    long to = Math.min(b - p, slice.flatStart() + slice.flatLength());
                    if (from < to) {
                        SafetensorsFile f = file(slice.file());
                        if (f.info(slice.key()).spec().numel() != slice.flatLength()) {
                            return null;
                        }
                        copies.add(new Copy(f, slice.key(), from - slice.flatStart(), to - from, p + from - start));
                        covered += to - from;
                    }
                }
                if (covered != b - a) {
                    return null;
                }
            }
            p += n;
        }
        if (dtype == null || start + length > p) {
            return null;
        }
        SafetensorsDtype type = SafetensorsDtype.fromHeader(dtype);
        Tensor out = torch.empty(new long[] {length}, new TensorOptions(type.torchType()), new MemoryFormatOptional());
        Pointer data = out.data_ptr();
        for (Copy c : copies) {
            c.file().copyElements(c.key(), c.element(), c.count(), data, c.to() * type.bytes());
        }
        return out;
    }

    private SafetensorsFile file(String name) throws IOException {
        SafetensorsFile f = open.get(name);
        if (f == null) {
            f = SafetensorsFile.open(dir.resolve(name));
            open.put(name, f);
        }
        return f;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : open.values()) {
            try {
                f.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
