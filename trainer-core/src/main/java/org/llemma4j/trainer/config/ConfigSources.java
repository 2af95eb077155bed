package org.llemma4j.trainer.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a config comes from: YAML files merged left to right, then {@code key=value} overrides, all turned into
 * one normalized tree.
 *
 * <p>GPT-NeoX configs are JSON with {@code #} comments (and the odd trailing comma), which is valid YAML flow
 * syntax, so a YAML parser reads them as they are. Override values are parsed as YAML too, so
 * {@code optimizer.params.betas=[0.9, 0.95]} is a list and {@code finetune=true} a boolean.
 */
public final class ConfigSources {

    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build())
            // A key written twice in one file is almost always a mistake; fail instead of keeping the last one.
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    static final ObjectMapper JSON = new ObjectMapper();

    private ConfigSources() {
    }

    /** The normalized merge of {@code files} (later files win), with {@code overrides} applied last. */
    public static Map<String, Object> read(List<Path> files, List<String> overrides) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (Path file : files) {
            tree = ConfigTree.merge(tree, readFile(file));
        }
        for (String override : overrides) {
            applyOverride(tree, override);
        }
        return tree;
    }

    /** One YAML (or JSON-style GPT-NeoX) file as a normalized tree; an empty file is an empty config. */
    public static Map<String, Object> readFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (text.isBlank()) {
            return new LinkedHashMap<>();
        }
        Object parsed;
        try {
            parsed = parseYaml(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getOriginalMessage()
                    + location(e), e);
        }
        if (parsed == null) {
            return new LinkedHashMap<>();          // only comments
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new ConfigException("config file " + file + " must hold a map of keys, got "
                    + ConfigType.show(parsed));
        }
        return KeyNames.normalizeTree(map, "");
    }

    /** A YAML document as plain Java values; {@code null} when it holds no value (only comments). */
    private static Object parseYaml(String text) throws JsonProcessingException {
        try (JsonParser parser = YAML.createParser(text)) {
            if (parser.nextToken() == null) {
                return null;
            }
            return YAML.readValue(parser, Object.class);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading YAML from a string cannot fail with I/O", e);
        }
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /**
     * Applies one {@code key=value} override; a dotted key reaches into sections
     * ({@code zero_optimization.stage=1}).
     */
    public static void applyOverride(Map<String, Object> tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("override \"" + override + "\" must be key=value");
        }
        String key = KeyNames.normalize(override.substring(0, eq));
        String text = override.substring(eq + 1).trim();
        if (key.isEmpty() || key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
            throw new ConfigException("override \"" + override + "\" has a malformed key \"" + key + "\"");
        }
        if (text.isEmpty()) {
            throw new ConfigException("override " + key + " has no value: \"" + override + "\"");
        }
        Object value;
        try {
            value = parseYaml(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException("override " + key + ": cannot parse value \"" + text + "\": "
                    + e.getOriginalMessage(), e);
        }
        if (value == null) {
            throw new ConfigException("override " + key + " has no value: \"" + override + "\"");
        }
        if (value instanceof Map<?, ?> map) {
            value = KeyNames.normalizeTree(map, key);
        }
        ConfigTree.set(tree, key, value);
    }
}
