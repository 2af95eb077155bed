package org.llemma4j.trainer.model.hf;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The RoPE settings of a Hugging Face {@code config.json}, in either of transformers' spellings: up to 4.x a
 * top-level {@code rope_theta} and {@code rope_scaling: {type | rope_type, factor}} (or null), from 5.x
 * {@code rope_parameters: {rope_theta, rope_type, factor}} and no top-level base.
 *
 * <p>Only linear scaling ({@code rope_type: linear}, position interpolation) is implemented; every other type
 * (dynamic, llama3, yarn, longrope, ...) changes the positions the model was trained with, so it is refused with
 * its name rather than ignored.
 *
 * @param theta         the RoPE base
 * @param linearScaling the linear scaling factor, 1 for none
 */
record HfRope(double theta, double linearScaling) {

    /** transformers' LlamaConfig default base, for a config that names none. */
    static final double LLAMA_DEFAULT_THETA = 10000.0;

    private static final String PARAMETERS = "rope_parameters";
    private static final String SCALING = "rope_scaling";

    /**
     * Reads both spellings; they must agree where both are given.
     *
     * @param warnings receives a warning for a config that names no RoPE base (the Llama default is used)
     * @throws IllegalArgumentException naming the file and the key of a malformed, contradictory or unsupported
     *                                  setting
     */
    static HfRope read(JsonFields config, Consumer<String> warnings) {
        JsonFields parameters = config.object(PARAMETERS);
        JsonFields scaling = config.object(SCALING);

        Double top = config.number("rope_theta");
        Double nested = parameters == null ? null : parameters.number("rope_theta");
        if (top != null && nested != null && !top.equals(nested)) {
            throw config.error("rope_theta " + top + " and " + PARAMETERS + ".rope_theta " + nested + " disagree");
        }
        double theta;
        if (top == null && nested == null) {
            warnings.accept(config.file() + " names no RoPE base (neither rope_theta nor " + PARAMETERS
                    + ".rope_theta): using Llama's default " + (long) LLAMA_DEFAULT_THETA);
            theta = LLAMA_DEFAULT_THETA;
        } else {
            theta = top != null ? top : nested;
        }

        String parametersType = parameters == null ? null : type(parameters);
        String scalingType = scaling == null ? null : type(scaling);
        if (scaling != null && scalingType == null) {
            throw config.error(SCALING + " names no rope_type (or type)");
        }
        if (parametersType != null && scalingType != null && !parametersType.equals(scalingType)) {
            throw config.error(SCALING + " type \"" + scalingType + "\" and " + PARAMETERS + ".rope_type \""
                    + parametersType + "\" disagree");
        }
        String key = parametersType != null ? PARAMETERS : SCALING;
        JsonFields settings = parametersType != null ? parameters : scaling;
        String type = parametersType != null ? parametersType : scalingType;
        if (type == null || type.equals("default")) {
            return new HfRope(theta, 1.0);
        }
        if (!type.equals("linear")) {
            throw config.error(key + " type \"" + type + "\" is not supported: only linear RoPE scaling is "
                    + "implemented, and ignoring another would change the model's positions");
        }
        Double factor = settings.number("factor");
        if (factor == null || !(factor > 0) || factor.isInfinite()) {
            throw config.error(key + " of type \"linear\" needs a factor > 0, got " + settings.node().get("factor"));
        }
        return new HfRope(theta, factor);
    }

    /**
     * Writes both spellings, so that transformers 4.x (which reads {@code rope_theta} and {@code rope_scaling}) and
     * 5.x (which reads {@code rope_parameters}) load the same model.
     */
    void write(Map<String, Object> json) {
        json.put("rope_theta", theta);
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("rope_theta", theta);
        if (linearScaling == 1) {
            json.put(SCALING, null);
            parameters.put("rope_type", "default");
        } else {
            Map<String, Object> scaling = new LinkedHashMap<>();
            scaling.put("type", "linear");
            scaling.put("rope_type", "linear");
            scaling.put("factor", linearScaling);
            json.put(SCALING, scaling);
            parameters.put("rope_type", "linear");
            parameters.put("factor", linearScaling);
        }
        json.put(PARAMETERS, parameters);
    }

    // rope_type, else the older type; null when neither is given.
    private static String type(JsonFields settings) {
        String type = settings.text("rope_type");
        return type != null ? type : settings.text("type");
    }
}
