package org.llemma4j.checkpoint.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.TensorSource;
import org.llemma4j.checkpoint.io.Durable;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsWriter;
import org.llemma4j.checkpoint.safetensors.TensorSpec;
import org.llemma4j.parallel.ParamSpec;

/**
 * Writes a Hugging Face model directory that {@code transformers} loads as it is: the JSON files the caller gives
 * ({@code config.json}, {@code generation_config.json}), the weights of the tensors the caller lists in safetensors
 * shards of at most {@code maxShardBytes} each ({@code model-00001-of-00003.safetensors}, ...) with
 * {@code model.safetensors.index.json}, or a single {@code model.safetensors} when everything fits in one shard
 * (what transformers itself writes).
 *
 * <p>Tensors are pulled from a {@link TensorSource} one at a time and converted to the export dtype. The
 * directory is assembled under a temporary name and renamed into place at the end, so a failed export leaves
 * nothing that looks like a model.
 */
public final class HfExporter {

    /** transformers' default shard size. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private final SafetensorsDtype dtype;
    private final long maxShardBytes;

    /**
     * @param dtype         the dtype of the exported weights (BF16 for Llemma; F32 for exact round trips)
     * @param maxShardBytes largest shard; a tensor bigger than this gets a shard of its own
     */
    public HfExporter(SafetensorsDtype dtype, long maxShardBytes) {
        if (!(dtype == SafetensorsDtype.BF16 || dtype == SafetensorsDtype.F16 || dtype == SafetensorsDtype.F32)) {
            throw new IllegalArgumentException("export dtype must be BF16, F16 or F32, got " + dtype);
        }
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("max shard size must be > 0, got " + maxShardBytes);
        }
        this.dtype = dtype;
        this.maxShardBytes = maxShardBytes;
    }

    /** The {@code torch_dtype} a {@code config.json} of this export names. */
    public String torchDtypeName() {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }

    /**
     * Exports {@code tensors} from {@code source} into {@code outDir}, which must not exist or be empty, with the
     * JSON files {@code jsonFiles} (file name to content, e.g. {@code config.json}) beside them.
     *
     * @return the files written: the JSON files in the given order, then the index if any, then the shards
     */
    public List<Path> export(Map<String, Map<String, Object>> jsonFiles, List<ParamSpec> tensors, TensorSource source,
                             Path outDir) throws IOException {
        for (String name : jsonFiles.keySet()) {
            if (name.contains("/") || name.contains("\\") || name.startsWith(".") || !name.endsWith(".json")) {
                throw new IllegalArgumentException("\"" + name + "\" is not the name of a JSON file in the directory");
            }
        }
        if (Files.exists(outDir)) {
            try (Stream<Path> s = Files.list(outDir)) {
                if (s.findAny().isPresent()) {
                    throw new CheckpointException(outDir + ": exists and is not empty; refusing to overwrite");
                }
            }
        }
        Path abs = outDir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + Durable.nonce());
        Files.createDirectory(tmp);
        try {
            List<List<ParamSpec>> shards = plan(tensors);
            int n = shards.size();
            Map<String, String> weightMap = new TreeMap<>();
            long total = 0;
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String file = n == 1 ? HfDirectory.SINGLE_FILE
                        : String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, n);
                names.add(file);
                List<TensorSpec> specs = new ArrayList<>();
                for (ParamSpec t : shards.get(i)) {
                    specs.add(new TensorSpec(t.name(), dtype, t.fullShape()));
                    weightMap.put(t.name(), file);
                    total += t.numel() * dtype.bytes();
                }
                try (SafetensorsWriter w = SafetensorsWriter.create(tmp.resolve(file), specs, Map.of())) {
                    for (ParamSpec t : shards.get(i)) {
                        try (PointerScope scope = new PointerScope()) {
                            Tensor value = source.tensor(t.name());
                            long[] shape = new long[(int) value.dim()];
                            for (int d = 0; d < shape.length; d++) {
                                shape[d] = value.size(d);
                            }
                            if (!Arrays.equals(shape, t.fullShape())) {
                                throw new CheckpointException("tensor " + t.name() + " has shape "
                                        + Arrays.toString(shape) + ", but the config implies "
                                        + Arrays.toString(t.fullShape()));
                            }
                            w.write(t.name(), value.to(dtype.torchType()));
                        }
                    }
                    w.finish();
                }
            }
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            for (Map.Entry<String, Map<String, Object>> f : jsonFiles.entrySet()) {
                Files.write(tmp.resolve(f.getKey()), json.writeValueAsBytes(f.getValue()));
            }
            if (n > 1) {
                Map<String, Object> index = new LinkedHashMap<>();
                index.put("metadata", Map.of("total_size", total));
                index.put("weight_map", weightMap);
                Files.write(tmp.resolve(HfDirectory.INDEX_FILE), json.writeValueAsBytes(index));
            }
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Durable.fsyncFile(p);
                }
            }
            Durable.fsyncDirectory(tmp);
            if (Files.exists(abs)) {
                Files.delete(abs);          // empty, checked above
            }
            Files.move(tmp, abs);
            Durable.fsyncDirectory(abs.getParent());
            List<Path> out = new ArrayList<>();
            for (String f : jsonFiles.keySet()) {
                out.add(abs.resolve(f));
            }
            if (n > 1) {
                out.add(abs.resolve(HfDirectory.INDEX_FILE));
            }
            for (String f : names) {
                out.add(abs.resolve(f));
            }
            return out;
        } finally {
            Durable.deleteTree(tmp);
        }
    }

    /** Greedy packing in model order: a new shard starts when the next tensor would overflow the current one. */
    private List<List<ParamSpec>> plan(List<ParamSpec> tensors) {
        List<List<ParamSpec>> shards = new ArrayList<>();
        List<ParamSpec> current = new ArrayList<>();
        long size = 0;
        for (ParamSpec t : tensors) {
            long bytes = t.numel() * dtype.bytes();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += bytes;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }
}
