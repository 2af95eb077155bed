package org.llemma4j.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.TensorSource;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.checkpoint.safetensors.TensorInfo;

/**
 * Reads a Hugging Face Llama directory: {@code config.json} plus either {@code model.safetensors} or the shards
 * listed by {@code model.safetensors.index.json}. Opening checks every tensor the config implies against the
 * headers (present, right shape, a floating-point dtype) before any data is read; tensors are then read one at a
 * time from memory-mapped files, so a 7B model never sits in memory whole.
 */
public final class HfLlamaImporter implements AutoCloseable, TensorSource {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Floating-point dtypes a weight may be stored in. */
    private static final Set<SafetensorsDtype> WEIGHT_DTYPES = Set.of(SafetensorsDtype.F32, SafetensorsDtype.BF16,
            SafetensorsDtype.F16, SafetensorsDtype.F64);

    private final Path dir;
    private final HfLlamaConfig config;
    private final Map<String, SafetensorsFile> fileOf;      // tensor name -> the open file holding it
    private final Map<String, SafetensorsFile> files;       // file name -> open file

    private HfLlamaImporter(Path dir, HfLlamaConfig config, Map<String, SafetensorsFile> fileOf,
                            Map<String, SafetensorsFile> files) {
        this.dir = dir;
        this.config = config;
        this.fileOf = fileOf;
        this.files = files;
    }

    /** Opens and checks {@code dir}. */
    public static HfLlamaImporter open(Path dir) throws IOException {
        HfLlamaConfig config = HfLlamaConfig.read(dir.resolve(HfLlamaConfig.FILE_NAME));
        Map<String, SafetensorsFile> files = new TreeMap<>();
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        try {
            Path index = dir.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) {
                for (Map.Entry<String, String> e : weightMap(index).entrySet()) {
                    SafetensorsFile f = files.get(e.getValue());
                    if (f == null) {
                        f = SafetensorsFile.open(dir.resolve(e.getValue()));
                        files.put(e.getValue(), f);
                    }
                    if (!f.contains(e.getKey())) {
                        throw new CheckpointException(index + ": weight_map puts tensor " + e.getKey() + " in "
                                + e.getValue() + ", which does not hold it");
                    }
                    fileOf.put(e.getKey(), f);
                }
            } else if (Files.isRegularFile(dir.resolve(SINGLE_FILE))) {
                SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE_FILE));
                files.put(SINGLE_FILE, f);
                for (String name : f.names()) {
                    fileOf.put(name, f);
                }
            } else {
                throw new CheckpointException(dir + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE + " exists");
            }
            check(config, fileOf);
            return new HfLlamaImporter(dir, config, fileOf, files);
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files.values()) {
                f.close();
            }
            throw e;
        }
    }

    private static Map<String, String> weightMap(Path index) throws CheckpointException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new CheckpointException(index + ": not valid JSON: " + e.getMessage());
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index + ": missing object \"weight_map\"");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String file = e.getValue().asText();
            if (!e.getValue().isTextual() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
                throw new CheckpointException(index + ": tensor " + e.getKey() + " maps to \"" + e.getValue()
                        + "\", not a file name in the directory");
            }
            out.put(e.getKey(), file);
        }
        return out;
    }

    /** Every tensor the config implies is there with its shape and a float dtype; nothing unknown is there. */
    private static void check(HfLlamaConfig config, Map<String, SafetensorsFile> fileOf) throws IOException {
        Set<String> expected = new HashSet<>();
        for (HfTensor t : config.tensors()) {
            expected.add(t.name());
            SafetensorsFile f = fileOf.get(t.name());
            if (f == null) {
                throw new CheckpointException("missing tensor " + t.name() + " (expected shape "
                        + Arrays.toString(t.shape()) + " from " + HfLlamaConfig.FILE_NAME + ")");
            }
            TensorInfo info = f.info(t.name());
            if (!Arrays.equals(info.shape(), t.shape())) {
                throw new CheckpointException(f.path() + ": tensor " + t.name() + " has shape "
                        + Arrays.toString(info.shape()) + ", but " + HfLlamaConfig.FILE_NAME + " implies "
                        + Arrays.toString(t.shape()));
            }
            if (!WEIGHT_DTYPES.contains(info.dtype())) {
                throw new CheckpointException(f.path() + ": tensor " + t.name() + " has dtype " + info.dtype()
                        + ", expected a floating-point dtype (F32, BF16, F16, F64)");
            }
        }
        for (String name : fileOf.keySet()) {
            // Old conversions stored RoPE tables as buffers, and some tied models keep a copy of the embedding
            // as lm_head: both are redundant with what we compute or share.
            boolean redundant = name.endsWith(".rotary_emb.inv_freq")
                    || (config.tieWordEmbeddings() && name.equals("lm_head.weight"));
            if (!expected.contains(name) && !redundant) {
                throw new CheckpointException(fileOf.get(name).path() + ": unexpected tensor " + name
                        + " for a Llama with this " + HfLlamaConfig.FILE_NAME);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public HfLlamaConfig config() {
        return config;
    }

    /** The model's tensors, in Hugging Face order. */
    public List<HfTensor> tensors() {
        return config.tensors();
    }

    /** One tensor in its stored dtype, a new CPU tensor owned by the caller (or the caller's scope). */
    @Override
    public Tensor tensor(String name) throws IOException {
        SafetensorsFile f = fileOf.get(name);
        if (f == null || config.tensors().stream().noneMatch(t -> t.name().equals(name))) {
            throw new CheckpointException(dir + ": the model has no tensor " + name);
        }
        return f.read(name);
    }

    /** Receives each tensor; the tensor is freed when the call returns. */
    @FunctionalInterface
    public interface Consumer {
        void accept(HfTensor spec, Tensor value) throws IOException;
    }

    /** Streams every tensor, one at a time, each freed before the next is read. */
    public void forEach(Consumer consumer) throws IOException {
        for (HfTensor t : config.tensors()) {
            try (PointerScope scope = new PointerScope()) {
                consumer.accept(t, tensor(t.name()));
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (SafetensorsFile f : files.values()) {
            f.close();
        }
    }
}
