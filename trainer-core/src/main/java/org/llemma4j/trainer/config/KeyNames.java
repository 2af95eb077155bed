package org.llemma4j.trainer.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;

/**
 * Key spelling: GPT-NeoX accepts {@code vocab-file} and {@code vocab_file} as the same key (its command line uses
 * hyphens, its YAML mostly underscores). We normalize every key, at every nesting level, to underscores once,
 * right after reading, so nothing downstream has to care.
 */
public final class KeyNames {

    private KeyNames() {
    }

    /** {@code vocab-file} -> {@code vocab_file}; dots (section separators) are kept. */
    public static String normalize(String key) {
        return key.trim().replace('-', '_');
    }

    /**
     * A deep copy of a parsed YAML tree with every map key normalized. Two keys of one map that normalize to the
     * same name ({@code vocab-file} and {@code vocab_file}) are an error rather than a silent choice.
     *
     * @param where the dotted path of {@code tree} ("" at the top), for messages
     */
    public static Map<String, Object> normalizeTree(Map<?, ?> tree, String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> spelledAs = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : tree.entrySet()) {
            String written = String.valueOf(e.getKey());
            String key = normalize(written);
            String path = join(where, key);
            String previous = spelledAs.putIfAbsent(key, written);
            if (previous != null) {
                throw new ConfigException(path + " is given twice, as \"" + previous + "\" and \"" + written + "\"");
            }
            Object value = normalizeValue(e.getValue(), path);
            if (key.contains(".")) {
                // A dotted key in a file or map means the same as in a --set override: a key inside sections.
                ConfigTree.set(out, key, value);
            } else if (out.get(key) instanceof Map<?, ?> expanded && value instanceof Map<?, ?> section) {
                out.put(key, ConfigTree.merge(ConfigTree.asTree(expanded), ConfigTree.asTree(section)));
            } else {
                out.put(key, value);
            }
        }
        return out;
    }

    private static Object normalizeValue(Object value, String path) {
        if (value instanceof Map<?, ?> m) {
            return normalizeTree(m, path);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object item : list) {
                // Lists hold values (betas, paths, attention_config), never keys; maps inside them are copied as is.
                copy.add(item instanceof Map<?, ?> m ? new LinkedHashMap<>(m) : item);
            }
            return copy;
        }
        return value;
    }

    /** {@code join("optimizer", "params")} is {@code optimizer.params}; {@code join("", "seed")} is {@code seed}. */
    public static String join(String section, String key) {
        return section.isEmpty() ? key : section + "." + key;
    }
}
