package org.llemma4j.trainer.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Typed reads of the fields of one object of a {@code config.json}. An absent field and a null one are alike: not
 * given. Errors are IllegalArgumentExceptions naming the file and the field's path ({@code rope_parameters.factor}).
 *
 * @param node   the object
 * @param prefix the object's path with a trailing dot, empty for the file's top level
 * @param file   the file, for messages
 */
record JsonFields(JsonNode node, String prefix, Path file) {

    /** The top level of {@code file}. */
    static JsonFields of(JsonNode root, Path file) {
        return new JsonFields(root, "", file);
    }

    private JsonNode given(String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String key) {
        return given(key) != null;
    }

    /** An error about this file: {@code file: message}. */
    IllegalArgumentException error(String message) {
        return new IllegalArgumentException(file + ": " + message);
    }

    /** The object under {@code key}, or null when not given. */
    JsonFields object(String key) {
        JsonNode v = given(key);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw error(prefix + key + " must be an object or null, got " + v);
        }
        return new JsonFields(v, prefix + key + ".", file);
    }

    /** An int, {@code fallback} when not given; no fallback (null) makes the key required. */
    int integer(String key, Integer fallback) {
        Integer v = typed(key, n -> n.canConvertToExactIntegral() && n.canConvertToInt(), "an integer",
                JsonNode::asInt);
        if (v == null && fallback == null) {
            throw error("missing key " + prefix + key);
        }
        return v != null ? v : fallback;
    }

    /** A number, or null when not given. */
    Double number(String key) {
        return typed(key, JsonNode::isNumber, "a number", JsonNode::asDouble);
    }

    double number(String key, double fallback) {
        Double v = number(key);
        return v == null ? fallback : v;
    }

    boolean bool(String key, boolean fallback) {
        Boolean v = typed(key, JsonNode::isBoolean, "true or false", JsonNode::asBoolean);
        return v == null ? fallback : v;
    }

    /** A string, or null when not given. */
    String text(String key) {
        return typed(key, JsonNode::isTextual, "a string", JsonNode::asText);
    }

    // The value of `key` read by `read` when `ok` accepts it; null when not given; an error naming `what` otherwise.
    private <T> T typed(String key, Predicate<JsonNode> ok, String what, Function<JsonNode, T> read) {
        JsonNode v = given(key);
        if (v == null) {
            return null;
        }
        if (!ok.test(v)) {
            throw error(prefix + key + " must be " + what + ", got " + v);
        }
        return read.apply(v);
    }

    /** Refuses a value of {@code key} other than {@code supported} (not given is fine). */
    void refuseUnless(String key, String supported) {
        JsonNode v = given(key);
        if (v != null && !supported.equals(v.asText())) {
            throw error(prefix + key + " is \"" + v.asText() + "\", only \"" + supported + "\" is supported");
        }
    }

    /** Refuses {@code key: true}, saying why. */
    void refuseTrue(String key, String why) {
        if (bool(key, false)) {
            throw error(prefix + key + " is true, not supported: " + why);
        }
    }
}
