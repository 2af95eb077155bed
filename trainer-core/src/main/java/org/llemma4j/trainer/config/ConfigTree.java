package org.llemma4j.trainer.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Operations on parsed (nested map) configs: the left-to-right merge of several files and the dotted-key
 * assignment of a {@code --set} override.
 */
public final class ConfigTree {

    private ConfigTree() {
    }

    /**
     * {@code later} merged over {@code base}: sections (maps) merge key by key, recursively; anything else in
     * {@code later} (scalars and lists alike) replaces what {@code base} had. Neither argument is modified.
     */
    public static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> later) {
        Map<String, Object> out = deepCopy(base);
        for (Map.Entry<String, Object> e : later.entrySet()) {
            Object mine = out.get(e.getKey());
            Object theirs = e.getValue();
            if (mine instanceof Map<?, ?> && theirs instanceof Map<?, ?>) {
                out.put(e.getKey(), merge(asTree(mine), asTree(theirs)));
            } else {
                out.put(e.getKey(), theirs instanceof Map<?, ?> ? deepCopy(asTree(theirs)) : theirs);
            }
        }
        return out;
    }

    /**
     * Assigns {@code value} at a dotted, normalized path ({@code optimizer.params.lr}), creating sections as
     * needed. A map value is merged into an existing section like a later file would be.
     *
     * @throws ConfigException when a step of the path exists and is not a section
     */
    public static void set(Map<String, Object> tree, String dottedKey, Object value) {
        String[] parts = dottedKey.split("\\.", -1);
        Map<String, Object> section = tree;
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            path.append(i == 0 ? "" : ".").append(parts[i]);
            Object next = section.get(parts[i]);
            if (next == null) {
                Map<String, Object> created = new LinkedHashMap<>();
                section.put(parts[i], created);
                section = created;
            } else if (next instanceof Map<?, ?>) {
                section = asTree(next);
            } else {
                throw new ConfigException("cannot set " + dottedKey + ": " + path + " is "
                        + ConfigType.show(next) + ", not a section");
            }
        }
        String last = parts[parts.length - 1];
        Object existing = section.get(last);
        if (existing instanceof Map<?, ?> && value instanceof Map<?, ?>) {
            section.put(last, merge(asTree(existing), asTree(value)));
        } else {
            section.put(last, value);
        }
    }

    /** A copy in which every nested map is a fresh mutable map (lists are copied shallowly). */
    public static Map<String, Object> deepCopy(Map<String, Object> tree) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?>) {
                v = deepCopy(asTree(v));
            } else if (v instanceof List<?> list) {
                v = new java.util.ArrayList<>(list);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asTree(Object map) {
        return (Map<String, Object>) map;
    }
}
