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
import java.util.function.Consumer;
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
 * {@code max_position_embeddings} the same (default 2048); the rest keep their names. The RoPE base and its linear
 * scaling ({@code rotary_emb_scaling_factor}) are read from either of transformers' spellings ({@link HfRope}); a
 * {@code head_dim} other than {@code hidden_size / num_attention_heads} is refused.
 *
 * @param model the architecture
 * @param extra every key of the file this record does not model, in the file's order
 */
public record HfLlamaConfig(LlamaConfig model, Map<String, Object> extra) {

    /** Keys the record models; everything else goes to {@code extra}. */
    private static final Set<String> MODELED = Set.of("hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "intermediate_size", "vocab_size", "max_position_embeddings", "rms_norm_eps",
            "rope_theta", "rope_scaling", "rope_parameters", "head_dim", "tie_word_embeddings", "initializer_range",
            "architectures", "model_type", "torch_dtype", "dtype", "hidden_act", "attention_bias", "mlp_bias");

    /** transformers' LlamaConfig defaults for the token ids (Llama's SentencePiece {@code <s>} and {@code </s>}). */
    public static final int LLAMA_BOS_ID = 1;
    public static final int LLAMA_EOS_ID = 2;

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
     * @param file     the file {@code root} was read from, named by every error and warning
     * @param warnings receives what is read but doubtful (a config that names no RoPE base)
     * @throws IllegalArgumentException naming the file and the key of a missing, mistyped or unsupported value
     */
    public static HfLlamaConfig fromJson(JsonNode root, Path file, Consumer<String> warnings) {
        JsonFields keys = JsonFields.of(root, file);
        keys.refuseUnless("model_type", "llama");
        keys.refuseUnless("hidden_act", "silu");
        keys.refuseTrue("attention_bias", "Llama's projections have no biases");
        keys.refuseTrue("mlp_bias", "Llama's projections have no biases");
        int heads = keys.integer("num_attention_heads", null);
        int hidden = keys.integer("hidden_size", null);
        if (keys.has("head_dim") && (long) keys.integer("head_dim", null) * heads != hidden) {
            throw keys.error("head_dim " + keys.integer("head_dim", null) + " is not hidden_size / "
                    + "num_attention_heads = " + hidden + " / " + heads + ": not supported");
        }
        HfRope rope = HfRope.read(keys, warnings);
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!MODELED.contains(e.getKey())) {
                extra.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
            }
        }
        LlamaConfig.Builder model = LlamaConfig.builder()
                .hiddenSize(hidden)
                .numLayers(keys.integer("num_hidden_layers", null))
                .numHeads(heads)
                .numKvHeads(keys.integer("num_key_value_heads", heads))
                .intermediateSize(keys.integer("intermediate_size", null))
                .vocabSize(keys.integer("vocab_size", null))
                .maxPositions(keys.integer("max_position_embeddings", 2048))
                .normEps(keys.number("rms_norm_eps", 1e-6))
                .ropeBase(rope.theta())
                .ropeScaling(rope.linearScaling())
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
        m.put("head_dim", model.headDim());
        m.put("vocab_size", model.vocabSize());
        m.put("max_position_embeddings", model.maxPositions());
        m.put("rms_norm_eps", model.normEps());
        new HfRope(model.ropeBase(), model.ropeScaling()).write(m);
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

    /** {@code bos_token_id}, when the file gives one number. */
    public OptionalInt bosTokenId() {
        return extra.get("bos_token_id") instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
    }

    /** {@code eos_token_id}, when the file gives one number. */
    public OptionalInt eosTokenId() {
        return extra.get("eos_token_id") instanceof Number n ? OptionalInt.of(n.intValue()) : OptionalInt.empty();
    }

    /** This config with {@code bos_token_id} and {@code eos_token_id} set. */
    public HfLlamaConfig withTokenIds(int bos, int eos) {
        Map<String, Object> ids = new LinkedHashMap<>(extra);
        ids.put("bos_token_id", bos);
        ids.put("eos_token_id", eos);
        return new HfLlamaConfig(model, ids);
    }

    /**
     * {@code generation_config.json} content: the token ids generation starts with and stops at (transformers 5
     * reads them from there), those of this config or transformers' Llama defaults.
     */
    public Map<String, Object> generationConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bos_token_id", bosTokenId().orElse(LLAMA_BOS_ID));
        m.put("eos_token_id", eosTokenId().orElse(LLAMA_EOS_ID));
        return m;
    }
}
