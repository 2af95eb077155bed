package org.llemma4j.trainer.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Predicate;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.model.LlamaLayout;

/**
 * A Hugging Face Llama {@code config.json} as the trainer reads and writes it: the architecture, mapped one to one
 * onto a {@link LlamaConfig}, and every other key of the file (token ids, ...), kept to be written back.
 *
 * <p>Key by key: {@code num_hidden_layers} is {@code num_layers}, {@code num_key_value_heads} {@code num_kv_heads}
 * (default: the number of heads, as in transformers), {@code rms_norm_eps} {@code rms_norm_epsilon} (default 1e-6,
 * transformers'), {@code rope_theta} {@code rotary_emb_base}, {@code tie_word_embeddings} the negation of
 * {@code no_weight_tying} (default false), {@code initializer_range} {@code init_method_std} (default 0.02),
 * {@code max_position_embeddings} the same (default 2048); the rest keep their names.
 *
 * @param model the architecture
 * @param extra every key of the file this record does not model, in the file's order
 */
public record HfLlamaConfig(LlamaConfig model, Map<String, Object> extra) {

    /** Keys the record models; everything else goes to {@code extra}. */
    private static final Set<String> MODELED = Set.of("hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "intermediate_size", "vocab_size", "max_position_embeddings", "rms_norm_eps",
            "rope_theta", "tie_word_embeddings", "initializer_range", "architectures", "model_type", "torch_dtype",
            "hidden_act", "attention_bias", "mlp_bias");

    private static final ObjectMapper JSON = new ObjectMapper();

    public HfLlamaConfig {
        extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** A config.json for {@code model} with nothing beyond the architecture. */
    public static HfLlamaConfig of(LlamaConfig model) {
        return new HfLlamaConfig(model, Map.of());
    }

    /**
     * Reads a parsed {@code config.json}.
     *
     * @param file the file {@code root} was read from, named by every error
     * @throws IllegalArgumentException naming the file and the key of a missing, mistyped or unsupported value
     */
    public static HfLlamaConfig fromJson(JsonNode root, Path file) {
        Keys keys = new Keys(root, file);
        keys.refuseUnless("model_type", "llama");
        keys.refuseUnless("hidden_act", "silu");
        keys.refuseTrue("attention_bias", "Llama's projections have no biases");
        keys.refuseTrue("mlp_bias", "Llama's projections have no biases");
        int heads = keys.integer("num_attention_heads", null);
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!MODELED.contains(e.getKey())) {
                extra.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
            }
        }
        LlamaConfig.Builder model = LlamaConfig.builder()
                .hiddenSize(keys.integer("hidden_size", null))
                .numLayers(keys.integer("num_hidden_layers", null))
                .numHeads(heads)
                .numKvHeads(keys.integer("num_key_value_heads", heads))
                .intermediateSize(keys.integer("intermediate_size", null))
                .vocabSize(keys.integer("vocab_size", null))
                .maxPositions(keys.integer("max_position_embeddings", 2048))
                .normEps(keys.number("rms_norm_eps", 1e-6))
                .ropeBase(keys.number("rope_theta", 10000.0))
                .tieEmbeddings(keys.bool("tie_word_embeddings", false))
                .initStd(keys.number("initializer_range", 0.02));
        try {
            return new HfLlamaConfig(model.build(), extra);
        } catch (IllegalArgumentException e) {        // LlamaConfig's checks: name the file too
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code config.json} content as transformers writes it for a {@code LlamaForCausalLM}. */
    public Map<String, Object> toJson(String torchDtype) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("model_type", "llama");
        m.put("hidden_size", model.hiddenSize());
        m.put("intermediate_size", model.intermediateSize());
        m.put("num_hidden_layers", model.numLayers());
        m.put("num_attention_heads", model.numHeads());
        m.put("num_key_value_heads", model.numKvHeads());
        m.put("vocab_size", model.vocabSize());
        m.put("max_position_embeddings", model.maxPositions());
        m.put("rms_norm_eps", model.normEps());
        m.put("rope_theta", model.ropeBase());
        m.put("hidden_act", "silu");
        m.put("tie_word_embeddings", model.tieEmbeddings());
        m.put("initializer_range", model.initStd());
        m.put("torch_dtype", torchDtype);
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            m.putIfAbsent(e.getKey(), e.getValue());
        }
        return m;
    }

    /** This config with another architecture, e.g. another RoPE base ({@code --rotary-emb-base}). */
    public HfLlamaConfig withModel(LlamaConfig newModel) {
        return new HfLlamaConfig(newModel, extra);
    }

    /** The model's tensors, from its table: what the directory must hold. */
    public List<ParamSpec> tensors() {
        return LlamaLayout.specs(model);
    }

    /**
     * Tensors a directory may hold beyond {@link #tensors()}, skipped on import: RoPE tables that old conversions
     * stored as buffers (we compute them), and the copy of the embedding some tied models keep as the output layer.
     */
    public Predicate<String> redundantTensor() {
        return name -> name.endsWith(".rotary_emb.inv_freq")
                || model.tieEmbeddings() && name.equals(LlamaLayout.OUTPUT.hfName());
    }

    /** {@code eos_token_id}, when the file gives one number. */
    public OptionalInt eosTokenId() {
        return extra.get("eos_token_id") instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
    }

    /** Typed reads of a config's keys; errors name the file and the key. */
    private record Keys(JsonNode root, Path file) {

        int integer(String key, Integer fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                if (fallback == null) {
                    throw new IllegalArgumentException(file + ": missing key " + key);
                }
                return fallback;
            }
            if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
                throw new IllegalArgumentException(file + ": " + key + " must be an integer, got " + v);
            }
            return v.asInt();
        }

        double number(String key, double fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isNumber()) {
                throw new IllegalArgumentException(file + ": " + key + " must be a number, got " + v);
            }
            return v.asDouble();
        }

        boolean bool(String key, boolean fallback) {
            JsonNode v = root.get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw new IllegalArgumentException(file + ": " + key + " must be true or false, got " + v);
            }
            return v.asBoolean();
        }

        void refuseUnless(String key, String supported) {
            JsonNode v = root.get(key);
            if (v != null && !supported.equals(v.asText())) {
                throw new IllegalArgumentException(file + ": " + key + " is \"" + v.asText() + "\", only \""
                        + supported + "\" is supported");
            }
        }

        void refuseTrue(String key, String why) {
            if (bool(key, false)) {
                throw new IllegalArgumentException(file + ": " + key + " is true, not supported: " + why);
            }
        }
    }
}
