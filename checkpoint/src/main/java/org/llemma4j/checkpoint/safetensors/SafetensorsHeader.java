package org.llemma4j.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a safetensors file: parsed and checked against the data buffer on read, laid out and
 * serialized on write.
 *
 * <p>What a reader accepts is what the reference implementation accepts: every tensor's byte range matches its
 * shape and dtype, and the ranges, taken in offset order, tile the data buffer exactly (start at 0, no overlap,
 * no hole, end at the buffer's end). A file that passes can be mapped and read without further checks.
 */
public final class SafetensorsHeader {

    /** The header key holding the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    /** Longest header accepted, as in the reference implementation: a bigger one is a corrupt length field. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Map<String, TensorInfo> tensors;   // in data order
    private final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Tensors by name, in the order of their data. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Parses and validates a header.
     *
     * @param file       named in every error
     * @param json       the header bytes (trailing spaces allowed)
     * @param dataLength bytes after the header: the data buffer the offsets index
     */
    public static SafetensorsHeader parse(Path file, byte[] json, long dataLength) throws SafetensorsException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, "the header is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new SafetensorsException(file, "the header is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file, "the header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> infos = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata.putAll(metadata(file, e.getValue()));
            } else {
                infos.add(tensor(file, e.getKey(), e.getValue()));
            }
        }
        infos.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : infos) {
            if (t.end() > dataLength) {
                throw new SafetensorsException(file, "tensor " + t.name() + ": data_offsets [" + t.begin() + ", "
                        + t.end() + "] run past the end of the data buffer (" + dataLength + " bytes)");
            }
            if (t.begin() < expected) {
                throw new SafetensorsException(file, "tensor " + t.name() + ": data_offsets [" + t.begin() + ", "
                        + t.end() + "] overlap tensor " + previous.name() + " [" + previous.begin() + ", "
                        + previous.end() + "]");
            }
            if (t.begin() > expected) {
                throw new SafetensorsException(file, "tensor " + t.name() + ": data_offsets [" + t.begin() + ", "
                        + t.end() + "] leave a hole of " + (t.begin() - expected) + " bytes after "
                        + (previous == null ? "the header" : "tensor " + previous.name()) + " (which ends at "
                        + expected + ")");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != dataLength) {
            throw new SafetensorsException(file, "the data buffer has " + (dataLength - expected)
                    + " bytes after the last tensor" + (previous == null ? "" : " (" + previous.name() + ")")
                    + ": the offsets do not cover it");
        }
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            byName.put(t.name(), t);
        }
        return new SafetensorsHeader(byName, metadata);
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws SafetensorsException {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new SafetensorsException(file, METADATA_KEY + " is not a JSON object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file, METADATA_KEY + " key " + e.getKey()
                        + ": value is not a string: " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static TensorInfo tensor(Path file, String name, JsonNode node) throws SafetensorsException {
        String where = "tensor " + name + ": ";
        if (!node.isObject()) {
            throw new SafetensorsException(file, where + "entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(file, where + "missing string field \"dtype\"");
        }
        SafetensorsDtype dtype = SafetensorsDtype.fromHeader(dtypeNode.textValue());
        if (dtype == null) {
            throw new SafetensorsException(file, where + "unknown dtype \"" + dtypeNode.textValue()
                    + "\" (known: " + SafetensorsDtype.known() + ")");
        }
        long[] shape = longs(file, where, node.get("shape"), "shape", -1);
        long[] offsets = longs(file, where, node.get("data_offsets"), "data_offsets", 2);
        if (offsets[0] > offsets[1]) {
            throw new SafetensorsException(file, where + "data_offsets [" + offsets[0] + ", " + offsets[1]
                    + "] are out of order (begin after end)");
        }
        TensorSpec spec = new TensorSpec(name, dtype, shape);
        long expected;
        try {
            expected = spec.byteSize();
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, where + "shape " + Arrays.toString(shape) + " overflows");
        }
        if (offsets[1] - offsets[0] != expected) {
            throw new SafetensorsException(file, where + "shape " + Arrays.toString(shape) + " of dtype " + dtype
                    + " needs " + expected + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1]
                    + "] hold " + (offsets[1] - offsets[0]));
        }
        return new TensorInfo(spec, offsets[0], offsets[1]);
    }

    private static long[] longs(Path file, String where, JsonNode node, String field, int arity)
            throws SafetensorsException {
        if (node == null || !node.isArray()) {
            throw new SafetensorsException(file, where + "missing array field \"" + field + "\"");
        }
        if (arity >= 0 && node.size() != arity) {
            throw new SafetensorsException(file, where + "\"" + field + "\" has " + node.size()
                    + " elements, expected " + arity);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new SafetensorsException(file, where + "\"" + field + "\" element " + i + " is not a "
                        + "non-negative integer: " + v);
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /**
     * Lays out tensors back to back in the given order and serializes the header, padded with spaces so that the
     * data buffer starts at a multiple of 8 bytes from the start of the file (the 8-byte length field plus a
     * header whose length is a multiple of 8), which keeps every 8-byte-aligned offset aligned in memory too.
     */
    public static byte[] serialize(List<TensorInfo> layout, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        for (TensorInfo t : layout) {
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long s : t.shape()) {
                shape.add(s);
            }
            entry.putArray("data_offsets").add(t.begin()).add(t.end());
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Assigns consecutive byte ranges to {@code specs}, in order, starting at 0. */
    public static List<TensorInfo> layout(List<TensorSpec> specs) {
        List<TensorInfo> out = new ArrayList<>(specs.size());
        long offset = 0;
        for (TensorSpec s : specs) {
            long end = Math.addExact(offset, s.byteSize());
            out.add(new TensorInfo(s, offset, end));
            offset = end;
        }
        return out;
    }
}
