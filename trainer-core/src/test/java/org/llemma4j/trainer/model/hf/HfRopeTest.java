package org.llemma4j.trainer.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.model.LlamaConfig;

/**
 * The RoPE settings of a config.json in transformers 4.x spelling ({@code rope_theta}, {@code rope_scaling}) and
 * 5.x spelling ({@code rope_parameters}): both read the same, both written on export, and every scaling type but
 * linear refused by name.
 */
class HfRopeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FILE = Path.of("config.json");
    private static final String SIZES = "\"hidden_size\": 64, \"num_attention_heads\": 8, \"num_hidden_layers\": 1, "
            + "\"intermediate_size\": 8, \"vocab_size\": 4";

    private final List<String> warnings = new ArrayList<>();

    private HfLlamaConfig parse(String rope) throws Exception {
        return HfLlamaConfig.fromJson(JSON.readTree("{" + SIZES + (rope.isEmpty() ? "" : ", " + rope) + "}"), FILE,
                warnings::add);
    }

    private String error(String rope) {
        return assertThrows(IllegalArgumentException.class, () -> parse(rope)).getMessage();
    }

    /** Written, then read back: once as written (both spellings), once with only one spelling left. */
    private void assertRoundTrips(LlamaConfig model) {
        Map<String, Object> written = HfLlamaConfig.of(model).toJson("float32");
        assertEquals(model, HfLlamaConfig.fromJson(JSON.valueToTree(written), FILE, warnings::add).model());
        ObjectNode transformers4 = JSON.valueToTree(written);
        transformers4.remove("rope_parameters");
        assertEquals(model, HfLlamaConfig.fromJson(transformers4, FILE, warnings::add).model());
        ObjectNode transformers5 = JSON.valueToTree(written);
        transformers5.remove("rope_theta");
        transformers5.remove("rope_scaling");
        assertEquals(model, HfLlamaConfig.fromJson(transformers5, FILE, warnings::add).model());
    }

    @Test
    void aBaseInEitherSpellingIsRead() throws Exception {
        LlamaConfig old = parse("\"rope_theta\": 1000000, \"rope_scaling\": null").model();
        LlamaConfig current = parse("\"rope_parameters\": {\"rope_theta\": 1000000.0, \"rope_type\": \"default\"}")
                .model();
        assertEquals(1e6, old.ropeBase());
        assertEquals(1.0, old.ropeScaling());
        assertEquals(old, current, "a re-saved Code Llama keeps its base 1e6");
        assertEquals(old, parse("\"rope_theta\": 1e6, \"rope_parameters\": {\"rope_theta\": 1e6}").model());
        assertRoundTrips(old);
        assertEquals(List.of(), warnings);
    }

    @Test
    void linearScalingInEitherSpellingIsRead() throws Exception {
        LlamaConfig v4 = parse("\"rope_theta\": 1e6, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}")
                .model();
        assertEquals(4.0, v4.ropeScaling());
        assertEquals(v4, parse("\"rope_theta\": 1e6, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 4}")
                .model());
        assertEquals(v4, parse("\"rope_parameters\": {\"rope_theta\": 1e6, \"rope_type\": \"linear\", "
                + "\"factor\": 4.0}").model());
        assertEquals(4.0, v4.toNeoxKeys().get("rotary_emb_scaling_factor"));
        assertRoundTrips(v4);

        JsonNode written = JSON.valueToTree(HfLlamaConfig.of(v4).toJson("float32"));
        assertEquals(1e6, written.get("rope_theta").asDouble());
        assertEquals("linear", written.get("rope_scaling").get("type").asText());
        assertEquals(4.0, written.get("rope_scaling").get("factor").asDouble());
        assertEquals("linear", written.get("rope_parameters").get("rope_type").asText());
        assertEquals(1e6, written.get("rope_parameters").get("rope_theta").asDouble());
        JsonNode plain = JSON.valueToTree(HfLlamaConfig.of(v4.toBuilder().ropeScaling(1).build()).toJson("float32"));
        assertTrue(plain.get("rope_scaling").isNull());
        assertEquals("default", plain.get("rope_parameters").get("rope_type").asText());
    }

    @Test
    void aConfigThatNamesNoBaseGetsLlamasWithAWarning() throws Exception {
        assertEquals(10000.0, parse("").model().ropeBase());
        assertEquals(10000.0, parse("\"rope_parameters\": {\"rope_type\": \"default\"}").model().ropeBase());
        assertEquals(List.of("config.json names no RoPE base (neither rope_theta nor rope_parameters.rope_theta): "
                + "using Llama's default 10000"), warnings.subList(0, 1));
        assertEquals(2, warnings.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "llama3", "yarn", "longrope"})
    void scalingTypesOtherThanLinearAreRefusedByName(String type) {
        assertEquals("config.json: rope_scaling type \"" + type + "\" is not supported: only linear RoPE scaling is "
                + "implemented, and ignoring another would change the model's positions",
                error("\"rope_theta\": 500000, \"rope_scaling\": {\"rope_type\": \"" + type + "\", \"factor\": 8}"));
        assertEquals("config.json: rope_parameters type \"" + type + "\" is not supported: only linear RoPE scaling "
                + "is implemented, and ignoring another would change the model's positions",
                error("\"rope_parameters\": {\"rope_theta\": 500000, \"rope_type\": \"" + type + "\", \"factor\": 8}"));
    }

    @Test
    void malformedOrContradictorySettingsAreRefused() {
        assertEquals("config.json: rope_theta 10000.0 and rope_parameters.rope_theta 1000000.0 disagree",
                error("\"rope_theta\": 10000, \"rope_parameters\": {\"rope_theta\": 1e6}"));
        assertEquals("config.json: rope_scaling type \"linear\" and rope_parameters.rope_type \"default\" disagree",
                error("\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}, \"rope_parameters\": "
                        + "{\"rope_theta\": 1e4, \"rope_type\": \"default\"}"));
        assertEquals("config.json: rope_scaling of type \"linear\" needs a factor > 0, got null",
                error("\"rope_theta\": 1e4, \"rope_scaling\": {\"type\": \"linear\"}"));
        assertEquals("config.json: rope_parameters of type \"linear\" needs a factor > 0, got 0",
                error("\"rope_parameters\": {\"rope_theta\": 1e4, \"rope_type\": \"linear\", \"factor\": 0}"));
        assertEquals("config.json: rope_scaling.factor must be a number, got \"2\"",
                error("\"rope_theta\": 1e4, \"rope_scaling\": {\"type\": \"linear\", \"factor\": \"2\"}"));
        assertEquals("config.json: rope_scaling names no rope_type (or type)",
                error("\"rope_theta\": 1e4, \"rope_scaling\": {\"factor\": 2}"));
        assertEquals("config.json: rope_scaling must be an object or null, got 2.0",
                error("\"rope_theta\": 1e4, \"rope_scaling\": 2.0"));
        assertEquals("config.json: rope_parameters.rope_theta must be a number, got \"1e6\"",
                error("\"rope_parameters\": {\"rope_theta\": \"1e6\"}"));
        assertEquals("config.json: rope_parameters.rope_type must be a string, got 1",
                error("\"rope_parameters\": {\"rope_theta\": 1e6, \"rope_type\": 1}"));
    }
}
