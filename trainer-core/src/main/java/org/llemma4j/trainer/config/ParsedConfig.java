package org.llemma4j.trainer.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A merged config tree sorted into declared keys (converted and validated one by one), deliberately ignored
 * keys, and nothing else: any key that is neither is an error naming it and the nearest known key.
 *
 * <p>Like Kafka's {@code AbstractConfig}: {@link #get} returns the value given or the declared default, and
 * {@link #isSet} tells whether the user wrote the key, which the rules between keys need ("warmup and
 * warmup_iters are exclusive" is about what was written, not about defaults).
 *
 * <p>It also records the value each key is used with, which is what the resolved view shows: {@link #get} and
 * {@link #given} record the value they return, {@link #getOr} a default derived from other keys, and {@link #use}
 * a value a section computed (an absolute path, a spelling reduced into this key). The section records read their
 * keys through these methods, so the resolved view shows what they read without a second list of the keys.
 */
final class ParsedConfig {

    private final Map<String, Object> values;
    private final List<String> ignored;
    /** Key name to the value it was read as; {@code null} for a key read and absent. */
    private final Map<String, Object> read = new HashMap<>();
    /** Key name to the value a section derived for it, which replaces what was read. */
    private final Map<String, Object> derived = new HashMap<>();

    private ParsedConfig(Map<String, Object> values, List<String> ignored) {
        this.values = values;
        this.ignored = ignored;
    }

    /**
     * Sorts and converts a tree whose keys are already normalized. A key with a {@code null} value counts as
     * absent (GPT-NeoX's "None").
     */
    static ParsedConfig parse(Map<String, Object> tree) {
        Map<String, Object> raw = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        walk(tree, "", raw, ignored, unknown);
        if (!unknown.isEmpty()) {
            throw new ConfigException(describeUnknown(unknown));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            values.put(e.getKey(), ConfigKeys.all().get(e.getKey()).parse(e.getValue()));
        }
        return new ParsedConfig(Collections.unmodifiableMap(values), Collections.unmodifiableList(ignored));
    }

    private static void walk(Map<String, Object> tree, String section, Map<String, Object> raw,
                             List<String> ignored, List<String> unknown) {
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String path = KeyNames.join(section, e.getKey());
            Object value = e.getValue();
            boolean known = ConfigKeys.all().containsKey(path) || IgnoredKeys.match(path).isPresent()
                    || isSection(path);
            if (value == null && known) {
                continue;                               // GPT-NeoX's None: as if the key were not written
            }
            if (ConfigKeys.all().containsKey(path)) {
                raw.put(path, value);
            } else if (IgnoredKeys.match(path).isPresent()) {
                IgnoredKeys.checkHarmless(path, value);
                ignored.add(path);
            } else if (isSection(path)) {
                if (value instanceof Map<?, ?>) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> inner = (Map<String, Object>) value;
                    walk(inner, path, raw, ignored, unknown);
                } else {
                    throw new ConfigException(path + " must be a section of keys such as "
                            + keysUnder(path) + ", got " + ConfigType.show(value));
                }
            } else {
                unknown.add(path);
            }
        }
    }

    /** True when some declared or ignored key lives under {@code path}: {@code optimizer}, {@code optimizer.params}. */
    private static boolean isSection(String path) {
        return !keysUnder(path).isEmpty();
    }

    private static List<String> keysUnder(String section) {
        List<String> under = new ArrayList<>();
        for (String name : knownNames()) {
            if (name.startsWith(section + ".")) {
                under.add(name);
            }
        }
        return under;
    }

    /** Declared and ignored key names, plus every section they sit in: the candidates for "did you mean". */
    private static Set<String> knownNames() {
        Set<String> names = new LinkedHashSet<>(ConfigKeys.all().keySet());
        names.addAll(IgnoredKeys.names());
        return names;
    }

    private static Set<String> suggestionCandidates() {
        Set<String> names = new TreeSet<>(knownNames());
        for (String name : knownNames()) {
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                names.add(name.substring(0, dot));
            }
        }
        return names;
    }

    private static String describeUnknown(List<String> unknown) {
        Set<String> candidates = suggestionCandidates();
        List<String> parts = new ArrayList<>();
        for (String key : unknown) {
            Optional<String> near = NearestKey.suggest(key, candidates);
            parts.add("\"" + key + "\"" + near.map(n -> " (did you mean \"" + n + "\"?)").orElse(""));
        }
        return (unknown.size() == 1 ? "unknown config key " : "unknown config keys ") + String.join(", ", parts);
    }

    /** The value given for {@code key}, or its declared default (which may be {@code null}). */
    @SuppressWarnings("unchecked")
    <T> T get(ConfigKey<T> key) {
        T value = values.containsKey(key.name()) ? (T) values.get(key.name()) : key.defaultValue();
        read.put(key.name(), value);
        return value;
    }

    /** The value given, if the user wrote the key. */
    @SuppressWarnings("unchecked")
    <T> Optional<T> given(ConfigKey<T> key) {
        T value = (T) values.get(key.name());
        read.put(key.name(), value);
        return Optional.ofNullable(value);
    }

    /** The value given, or the default {@code derived} computes from other keys (such as seq_length's). */
    <T> T getOr(ConfigKey<T> key, Supplier<T> derived) {
        return use(key, given(key).orElseGet(derived));
    }

    /** Records {@code value} as the value {@code key} is used with, and returns it. */
    <T> T use(ConfigKey<T> key, T value) {
        derived.put(key.name(), value);
        return value;
    }

    /** A path key resolved against {@code baseDir}, absolute and normalized; recorded in that form. */
    Optional<Path> path(ConfigKey<String> key, Path baseDir) {
        Optional<Path> path = given(key).map(p -> resolve(baseDir, p));
        path.ifPresent(p -> use(key, p.toString()));
        return path;
    }

    static Path resolve(Path baseDir, String path) {
        return baseDir.resolve(path).toAbsolutePath().normalize();
    }

    boolean isSet(ConfigKey<?> key) {
        return values.containsKey(key.name());
    }

    /** @throws ConfigException listing every one of {@code keys} that is not given */
    void require(ConfigKey<?>... keys) {
        List<String> missing = new ArrayList<>();
        for (ConfigKey<?> key : keys) {
            if (!isSet(key)) {
                missing.add(key.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException("missing required config key" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing));
        }
    }

    /**
     * Key name to the value each key read so far is used with ({@code null} for a key read and absent), in
     * declaration order; a key no section read is not in it.
     */
    Map<String, Object> usedValues() {
        Map<String, Object> used = new LinkedHashMap<>();
        for (String name : ConfigKeys.all().keySet()) {
            if (derived.containsKey(name)) {
                used.put(name, derived.get(name));
            } else if (read.containsKey(name)) {
                used.put(name, read.get(name));
            }
        }
        return used;
    }

    /** Ignored keys as written (normalized), in file order. */
    List<String> ignored() {
        return ignored;
    }
}
