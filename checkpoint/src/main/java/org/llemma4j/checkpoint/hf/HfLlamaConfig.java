package org.llemma4j.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.parallel.ShardDim;

/**
 * The architecture fields of a Hugging Face Llama {@code config.json}, which map one to one onto the trainer's
 * {@code LlamaConfig} (this module does not depend on the trainer, hence its own record).
 *
 * @param hiddenSize        {@code hidden_size}
 * @param numLayers         {@code num_hidden_layers}
 * @param numHeads          {@code num_attention_heads}
 * @param numKvHeads        {@code num_key_value_heads} (defaults to the number of heads, as in transformers)
 * @param intermediateSize  {@code intermediate_size}
 * @param vocabSize         {@code vocab_size}
 * @param maxPositions      {@code max_position_embeddings}
 * @param rmsNormEps        {@code rms_norm_eps}
 * @param ropeTheta         {@code rope_theta}
 * @param tieWordEmbeddings {@code tie_word_embeddings}: no {@code lm_head.weight}, the embedding is reused
 * @param extra             every other key of the file (token ids, initializer range...), written back on export
 */
public record HfLlamaConfig(int hiddenSize, int numLayers, int numHeads, int numKvHeads, int intermediateSize,
                            int vocabSize, int maxPositions, double rmsNormEps, double ropeTheta,
                            boolean tieWordEmbeddings, Map<String, Object> extra) {

    public static final String FILE_NAME = "config.json";

    /** Keys this record models; everything else goes to {@code extra}. */
    private static final Set<String> MODELED = Set.of("hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "intermediate_size", "vocab_size", "max_position_embeddings", "rms_norm_eps",
            "rope_theta", "tie_word_embeddings", "architectures", "model_type", "torch_dtype", "hidden_act");

    private static final ObjectMapper JSON = new ObjectMapper();

    public HfLlamaConfig {
        extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || numKvHeads <= 0 || intermediateSize <= 0
                || vocabSize <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("every size of a Llama config must be > 0: " + this);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by "
                    + "num_attention_heads " + numHeads);
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads + " is not divisible by "
                    + "num_key_value_heads " + numKvHeads);
        }
    }

    /** Reads {@code config.json}; errors name the file and the key. */
    public static HfLlamaConfig read(Path file) throws CheckpointException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new CheckpointException(file + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        JsonNode type = root.get("model_type");
        if (type != null && !"llama".equals(type.asText())) {
            throw new CheckpointException(file + ": model_type is \"" + type.asText() + "\", expected \"llama\"");
        }
        JsonNode act = root.get("hidden_act");
        if (act != null && !"silu".equals(act.asText())) {
            throw new CheckpointException(file + ": hidden_act is \"" + act.asText() + "\", only \"silu\" is supported");
        }
        int heads = integer(file, root, "num_attention_heads", null);
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (!MODELED.contains(e.getKey())) {
                extra.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
            }
        }
        try {
            return new HfLlamaConfig(
                    integer(file, root, "hidden_size", null),
                    integer(file, root, "num_hidden_layers", null),
                    heads,
                    integer(file, root, "num_key_value_heads", heads),
                    integer(file, root, "intermediate_size", null),
                    integer(file, root, "vocab_size", null),
                    integer(file, root, "max_position_embeddings", 2048),
                    number(file, root, "rms_norm_eps", 1e-6),
                    number(file, root, "rope_theta", 10000.0),
                    bool(file, root, "tie_word_embeddings", false),
                    extra);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
    }

    private static int integer(Path file, JsonNode root, String key, Integer fallback) throws CheckpointException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new CheckpointException(file + ": missing key " + key);
            }
            return fallback;
        }
        if (!v.canConvertToExactIntegral() || !v.canConvertToInt()) {
            throw new CheckpointException(file + ": " + key + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static double number(Path file, JsonNode root, String key, double fallback) throws CheckpointException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new CheckpointException(file + ": " + key + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static boolean bool(Path file, JsonNode root, String key, boolean fallback) throws CheckpointException {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new CheckpointException(file + ": " + key + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** This config with another RoPE base: {@code --rotary-emb-base}, e.g. Llemma's 1e6 to 1e4 contraction. */
    public HfLlamaConfig withRopeTheta(double theta) {
        if (!(theta > 1)) {
            throw new IllegalArgumentException("rotary_emb_base must be > 1, got " + theta);
        }
        return new HfLlamaConfig(hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, vocabSize,
                maxPositions, rmsNormEps, theta, tieWordEmbeddings, extra);
    }

    /** This config with other pass-through keys. */
    public HfLlamaConfig withExtra(Map<String, Object> newExtra) {
        return new HfLlamaConfig(hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, vocabSize,
                maxPositions, rmsNormEps, ropeTheta, tieWordEmbeddings, newExtra);
    }

    /** The same architecture under GPT-NeoX config keys, for the trainer's configuration. */
    public Map<String, Object> toNeoxKeys() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_layers", numLayers);
        m.put("hidden_size", hiddenSize);
        m.put("num_attention_heads", numHeads);
        m.put("num_kv_heads", numKvHeads);
        m.put("intermediate_size", intermediateSize);
        m.put("vocab_size", vocabSize);
        m.put("max_position_embeddings", maxPositions);
        m.put("rms_norm_epsilon", rmsNormEps);
        m.put("rotary_emb_base", ropeTheta);
        m.put("no_weight_tying", !tieWordEmbeddings);
        return m;
    }

    /** The inverse of {@link #toNeoxKeys()}: from a resolved GPT-NeoX config (e.g. a checkpoint's manifest). */
    public static HfLlamaConfig fromNeoxKeys(Map<String, Object> neox) {
        int heads = intKey(neox, "num_attention_heads");
        Object kv = neox.get("num_kv_heads");
        Object tying = neox.get("no_weight_tying");
        return new HfLlamaConfig(intKey(neox, "hidden_size"), intKey(neox, "num_layers"), heads,
                kv == null ? heads : ((Number) kv).intValue(), intKey(neox, "intermediate_size"),
                intKey(neox, "vocab_size"), intKey(neox, "max_position_embeddings"),
                ((Number) neox.getOrDefault("rms_norm_epsilon", 1e-5)).doubleValue(),
                ((Number) neox.getOrDefault("rotary_emb_base", 10000.0)).doubleValue(),
                tying != null && !((Boolean) tying), Map.of());
    }

    private static int intKey(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("config key " + key + " is missing or not a number: " + v);
        }
        return n.intValue();
    }

    /** {@code config.json} content as transformers writes it for a {@code LlamaForCausalLM}. */
    public Map<String, Object> toHfJson(String torchDtype) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("LlamaForCausalLM"));
        m.put("model_type", "llama");
        m.put("hidden_size", hiddenSize);
        m.put("intermediate_size", intermediateSize);
        m.put("num_hidden_layers", numLayers);
        m.put("num_attention_heads", numHeads);
        m.put("num_key_value_heads", numKvHeads);
        m.put("vocab_size", vocabSize);
        m.put("max_position_embeddings", maxPositions);
        m.put("rms_norm_eps", rmsNormEps);
        m.put("rope_theta", ropeTheta);
        m.put("hidden_act", "silu");
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("torch_dtype", torchDtype);
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            m.putIfAbsent(e.getKey(), e.getValue());
        }
        return m;
    }

    /** Every tensor the model has, in Hugging Face's order, with shapes implied by this config. */
    public List<HfTensor> tensors() {
        long h = hiddenSize;
        long q = (long) numHeads * headDim();
        long kv = (long) numKvHeads * headDim();
        long ffn = intermediateSize;
        List<HfTensor> out = new ArrayList<>();
        out.add(new HfTensor("model.embed_tokens.weight", new long[] {vocabSize, h}, ShardDim.ROWS));
        for (int i = 0; i < numLayers; i++) {
            String p = "model.layers." + i + ".";
            out.add(new HfTensor(p + "self_attn.q_proj.weight", new long[] {q, h}, ShardDim.ROWS));
            out.add(new HfTensor(p + "self_attn.k_proj.weight", new long[] {kv, h}, ShardDim.ROWS));
            out.add(new HfTensor(p + "self_attn.v_proj.weight", new long[] {kv, h}, ShardDim.ROWS));
            out.add(new HfTensor(p + "self_attn.o_proj.weight", new long[] {h, q}, ShardDim.COLUMNS));
            out.add(new HfTensor(p + "mlp.gate_proj.weight", new long[] {ffn, h}, ShardDim.ROWS));
            out.add(new HfTensor(p + "mlp.up_proj.weight", new long[] {ffn, h}, ShardDim.ROWS));
            out.add(new HfTensor(p + "mlp.down_proj.weight", new long[] {h, ffn}, ShardDim.COLUMNS));
            out.add(new HfTensor(p + "input_layernorm.weight", new long[] {h}, ShardDim.REPLICATED));
            out.add(new HfTensor(p + "post_attention_layernorm.weight", new long[] {h}, ShardDim.REPLICATED));
        }
        out.add(new HfTensor("model.norm.weight", new long[] {h}, ShardDim.REPLICATED));
        if (!tieWordEmbeddings) {
            out.add(new HfTensor("lm_head.weight", new long[] {vocabSize, h}, ShardDim.ROWS));
        }
        return out;
    }
}
