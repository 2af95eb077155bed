package org.llemma4j.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.TensorSource;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.checkpoint.safetensors.TensorInfo;
import org.llemma4j.parallel.ParamSpec;

/**
 * Reads a Hugging Face model directory: {@code config.json} plus either {@code model.safetensors} or the shards
 * listed by {@code model.safetensors.index.json}. What tensors the model has is the caller's to say (the model's
 * table, derived from the config): opening checks every one against the headers (present, right shape, a
 * floating-point dtype) before any data is read; tensors are then read one at a time from memory-mapped files, so
 * a 7B model never sits in memory whole.
 */
public final class HfDirectory implements AutoCloseable, TensorSource {

    public static final String CONFIG_FILE = "config.json";
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Floating-point dtypes a weight may be stored in. */
    private static final Set<SafetensorsDtype> WEIGHT_DTYPES = Set.of(SafetensorsDtype.F32, SafetensorsDtype.BF16,
            SafetensorsDtype.F16, SafetensorsDtype.F64);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<ParamSpec> tensors;
    private final Map<String, SafetensorsFile> fileOf;      // tensor name -> the open file holding it
    private final Map<String, SafetensorsFile> files;       // file name -> open file

    private HfDirectory(Path dir, List<ParamSpec> tensors, Map<String, SafetensorsFile> fileOf,
                        Map<String, SafetensorsFile> files) {
        this.dir = dir;
        this.tensors = tensors;
        this.fileOf = fileOf;
        this.files = files;
    }

    /** Reads a JSON object file such as {@code config.json}; errors name the file. */
    public static ObjectNode readJson(Path file) throws CheckpointException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new CheckpointException(file + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode object)) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        return object;
    }

    /**
     * Opens and checks {@code dir} against the model's tensors.
     *
     * @param tensors   every tensor of the model the directory holds, e.g. the model's table for its config
     * @param redundant names the files may hold beyond {@code tensors} that are skipped (buffers other tools store,
     *                  copies of shared weights); any other extra tensor is an error
     */
    public static HfDirectory open(Path dir, List<ParamSpec> tensors, Predicate<String> redundant)
            throws IOException {
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
            check(tensors, redundant, fileOf);
            return new HfDirectory(dir, List.copyOf(tensors), fileOf, files);
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files.values()) {
                f.close();
            }
            throw e;
        }
    }

    private static Map<String, String> weightMap(Path index) throws CheckpointException {
        JsonNode map = readJson(index).get("weight_map");
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

    /** Every expected tensor is there with its shape and a float dtype; nothing else is, but redundant tensors. */
    private static void check(List<ParamSpec> tensors, Predicate<String> redundant,
                              Map<String, SafetensorsFile> fileOf) throws IOException {
        Set<String> expected = new HashSet<>();
        for (ParamSpec t : tensors) {
            expected.add(t.name());
            SafetensorsFile f = fileOf.get(t.name());
            if (f == null) {
                throw new CheckpointException("missing tensor " + t.name() + " (expected shape "
                        + Arrays.toString(t.fullShape()) + " from " + CONFIG_FILE + ")");
            }
            TensorInfo info = f.info(t.name());
            if (!Arrays.equals(info.shape(), t.fullShape())) {
                throw new CheckpointException(f.path() + ": tensor " + t.name() + " has shape "
                        + Arrays.toString(info.shape()) + ", but " + CONFIG_FILE + " implies "
                        + Arrays.toString(t.fullShape()));
            }
            if (!WEIGHT_DTYPES.contains(info.dtype())) {
                throw new CheckpointException(f.path() + ": tensor " + t.name() + " has dtype " + info.dtype()
                        + ", expected a floating-point dtype (F32, BF16, F16, F64)");
            }
        }
        for (String name : fileOf.keySet()) {
            if (!expected.contains(name) && !redundant.test(name)) {
                throw new CheckpointException(fileOf.get(name).path() + ": unexpected tensor " + name
                        + ", which the model of this " + CONFIG_FILE + " does not have");
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** The model's tensors, as given to {@link #open}. */
    public List<ParamSpec> tensors() {
        return tensors;
    }

    /** One tensor in its stored dtype, a new CPU tensor owned by the caller (or the caller's scope). */
    @Override
    public Tensor tensor(String name) throws IOException {
        SafetensorsFile f = fileOf.get(name);
        if (f == null || tensors.stream().noneMatch(t -> t.name().equals(name))) {
            throw new CheckpointException(dir + ": the model has no tensor " + name);
        }
        return f.read(name);
    }

    @Override
    public void close() throws IOException {
        for (SafetensorsFile f : files.values()) {
            f.close();
        }
    }
}
