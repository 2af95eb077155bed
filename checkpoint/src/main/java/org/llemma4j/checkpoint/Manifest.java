package org.llemma4j.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code manifest.json}: everything a resume needs besides the tensor data, and the index of that data.
 *
 * <p>Serialized as JSON with snake_case keys, so other tools can read it. Tensor names: model weights under
 * their Hugging Face names; optimizer state under {@code optim/<parameter name>/master} (fp32 master weights),
 * {@code optim/<parameter name>/exp_avg} and {@code optim/<parameter name>/exp_avg_sq} (Adam moments), each with
 * the parameter's global shape and split dimension, so optimizer state reshards exactly like the weights.
 *
 * @param formatVersion   {@link #FORMAT_VERSION}; a reader refuses newer versions
 * @param libraryVersion  the llemma4j version that wrote the checkpoint
 * @param step            optimizer steps completed
 * @param consumedSamples training samples consumed (the data loader's position)
 * @param lrScheduler     the learning-rate schedule and its position
 * @param rng             random-number-generator state, opaque to this module (seeds, counters)
 * @param config          the resolved run configuration, GPT-NeoX key names
 * @param parallel        the layout the checkpoint was saved with
 * @param tensors         the tensor index, by name (sorted)
 * @param files           every data file of the step directory with its size and checksum (sorted)
 */
public record Manifest(
        int formatVersion,
        String libraryVersion,
        long step,
        long consumedSamples,
        LrState lrScheduler,
        Map<String, Object> rng,
        Map<String, Object> config,
        ParallelLayout parallel,
        Map<String, TensorEntry> tensors,
        Map<String, FileEntry> files) {

    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            // A newer minor writer may add fields; the format version guards real incompatibilities.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Manifest {
        rng = rng == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(rng));
        config = config == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(config));
        tensors = tensors == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tensors));
        files = files == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /** What a trainer knows at save time; {@link CheckpointStore#commit} adds the tensor index and the files. */
    public static Manifest forSave(long step, long consumedSamples, LrState lrScheduler, Map<String, Object> rng,
                                   Map<String, Object> config, ParallelLayout parallel) {
        return new Manifest(FORMAT_VERSION, currentLibraryVersion(), step, consumedSamples, lrScheduler, rng, config,
                parallel, Map.of(), Map.of());
    }

    /** This manifest with the given index. */
    public Manifest withIndex(Map<String, TensorEntry> tensors, Map<String, FileEntry> files) {
        return new Manifest(formatVersion, libraryVersion, step, consumedSamples, lrScheduler, rng, config, parallel,
                tensors, files);
    }

    /** The entry of {@code name}; an error names the tensor and the step when the checkpoint lacks it. */
    public TensorEntry tensor(String name) throws CheckpointException {
        TensorEntry e = tensors.get(name);
        if (e == null) {
            throw new CheckpointException("the checkpoint of step " + step + " has no tensor " + name);
        }
        return e;
    }

    /** Whether optimizer state was saved (a step-0 checkpoint converted from Hugging Face has none). */
    public boolean hasOptimizerState() {
        return tensors.keySet().stream().anyMatch(n -> n.startsWith(OptimizerNames.PREFIX));
    }

    static String currentLibraryVersion() {
        String v = Manifest.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the manifest of step " + step, e);
        }
    }

    /** Reads {@code file}; errors name it. */
    public static Manifest read(Path file) throws CheckpointException {
        Manifest m;
        try {
            m = JSON.readValue(Files.readAllBytes(file), Manifest.class);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": not a valid manifest: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (m.formatVersion() < 1 || m.formatVersion() > FORMAT_VERSION) {
            throw new CheckpointException(file + ": format_version " + m.formatVersion()
                    + " is not supported (this build reads 1.." + FORMAT_VERSION + ")");
        }
        if (m.parallel() == null) {
            throw new CheckpointException(file + ": missing \"parallel\"");
        }
        return m;
    }
}
