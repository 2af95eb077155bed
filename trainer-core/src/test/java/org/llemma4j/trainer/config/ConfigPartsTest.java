package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The building blocks: key spelling, suggestions, merging, type conversion, declarations. */
class ConfigPartsTest {

    @Test
    void normalizeReplacesHyphensOnly() {
        assertEquals("zero_optimization.stage", KeyNames.normalize("zero-optimization.stage"));
        assertEquals("vocab_file", KeyNames.normalize(" vocab-file "));
    }

    @Test
    void editDistance() {
        assertEquals(0, NearestKey.distance("seed", "seed"));
        assertEquals(1, NearestKey.distance("num_layer", "num_layers"));
        assertEquals(2, NearestKey.distance("seq_lenght", "seq_length"));
        assertEquals(3, NearestKey.distance("kitten", "sitting"));
    }

    @Test
    void suggestionNeedsToBeClose() {
        List<String> known = List.of("num_layers", "seed", "save");
        assertEquals(Optional.of("num_layers"), NearestKey.suggest("num_layer", known));
        assertEquals(Optional.empty(), NearestKey.suggest("hidden", known));
        assertEquals(Optional.of("seed"), NearestKey.suggest("sed", known));
        assertEquals(Optional.empty(), NearestKey.suggest("se", known), "too short to guess");
    }

    @Test
    void mergeIsRecursiveForMapsAndReplacesEverythingElse() {
        Map<String, Object> base = new LinkedHashMap<>(Map.of("a", Map.of("x", 1, "y", 2), "l", List.of(1, 2)));
        Map<String, Object> later = Map.of("a", Map.of("y", 3), "l", List.of(9));
        Map<String, Object> merged = ConfigTree.merge(base, later);
        assertEquals(Map.of("x", 1, "y", 3), merged.get("a"));
        assertEquals(List.of(9), merged.get("l"), "lists are replaced, not concatenated");
        assertEquals(Map.of("x", 1, "y", 2), base.get("a"), "inputs are not modified");
    }

    @Test
    void setCreatesSections() {
        Map<String, Object> tree = new LinkedHashMap<>();
        ConfigTree.set(tree, "optimizer.params.lr", 0.1);
        ConfigTree.set(tree, "optimizer.type", "adam");
        assertEquals(Map.of("params", Map.of("lr", 0.1), "type", "adam"), tree.get("optimizer"));
    }

    @Test
    void typeConversions() {
        assertEquals(3, ConfigType.INT.convert("k", 3.0));
        assertEquals(12_600_000_000L, ConfigType.LONG.convert("k", 12_600_000_000L));
        assertEquals(1e-4, ConfigType.DOUBLE.convert("k", "1e-4"));
        assertEquals(1.0, ConfigType.DOUBLE.convert("k", 1));
        assertEquals(true, ConfigType.BOOLEAN.convert("k", "TRUE"));
        assertEquals("adam", ConfigType.NAME.convert("k", "Adam"));
        assertEquals(List.of(2.0, 4.0), ConfigType.DOUBLE_LIST.convert("k", List.of(2, "4")));
        assertEquals("k must be an integer, got 1.5", assertThrows(ConfigException.class,
                () -> ConfigType.INT.convert("k", 1.5)).getMessage());
        assertEquals("k must be a string, got true", assertThrows(ConfigException.class,
                () -> ConfigType.STRING.convert("k", true)).getMessage());
        assertEquals("k must be a number, got \"NaN\"", assertThrows(ConfigException.class,
                () -> ConfigType.DOUBLE.convert("k", "NaN")).getMessage());
        assertEquals("k must be a number, got Infinity", assertThrows(ConfigException.class,
                () -> ConfigType.DOUBLE.convert("k", Double.POSITIVE_INFINITY)).getMessage());
        assertEquals("k[1] must be a number, got null", assertThrows(ConfigException.class,
                () -> ConfigType.DOUBLE_LIST.convert("k", java.util.Arrays.asList(1, null))).getMessage());
    }

    @Test
    void everyDeclaredKeyHasADocAndIsNotAlsoIgnored() {
        for (ConfigKey<?> key : ConfigKeys.all().values()) {
            assertEquals(false, key.doc().isBlank(), key.name());
            assertEquals(Optional.empty(), IgnoredKeys.match(key.name()), key.name() + " is declared and ignored");
        }
        assertEquals(true, ConfigDocs.keyTable().contains(
                "| `num_layers` | an integer | - | Required. Number of decoder layers. |"));
    }
}
