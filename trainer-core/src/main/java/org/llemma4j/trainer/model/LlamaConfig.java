package org.llemma4j.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The architecture of a Llama model: everything needed to allocate and run it, nothing about training.
 *
 * <p>Validation messages name the GPT-NeoX config key, because that is what the user wrote. Build one with
 * {@link #builder()}: named setters instead of a dozen positional numbers, and GPT-NeoX's (Llama's) defaults for
 * what is not set.
 *
 * @param numLayers             {@code num_layers}: decoder layers
 * @param hiddenSize            {@code hidden_size}: model width
 * @param numHeads              {@code num_attention_heads}: query heads
 * @param numKvHeads            {@code num_kv_heads}: key/value heads (GQA); equal to numHeads for plain attention
 * @param intermediateSize      {@code intermediate_size}: SwiGLU inner width
 * @param vocabSize             {@code vocab_size}: rows of the embedding and of the output layer (padded vocabulary)
 * @param maxPositions          {@code max_position_embeddings}: longest sequence the RoPE tables cover
 * @param normEps               {@code rms_norm_epsilon}
 * @param rotaryPct             {@code rotary_pct}: fraction of each head's dimensions that RoPE rotates
 * @param ropeBase              {@code rotary_emb_base}: the RoPE base theta (1e6 for Code Llama, 1e4 after contraction)
 * @param ropeScaling           {@code rotary_emb_scaling_factor}: linear RoPE scaling (position interpolation,
 *                              Hugging Face's {@code rope_type: linear}): positions are divided by it; 1 is none
 * @param tieEmbeddings         the output layer shares the embedding matrix ({@code no_weight_tying: false})
 * @param initStd               {@code init_method_std}: std of the normal initialization of every matrix
 */
public record LlamaConfig(
        int numLayers,
        int hiddenSize,
        int numHeads,
        int numKvHeads,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        double normEps,
        double rotaryPct,
        double ropeBase,
        double ropeScaling,
        boolean tieEmbeddings,
        double initStd) {

    public LlamaConfig {
        positive("num_layers", numLayers);
        positive("hidden_size", hiddenSize);
        positive("num_attention_heads", numHeads);
        positive("num_kv_heads", numKvHeads);
        positive("intermediate_size", intermediateSize);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositions);
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numHeads);
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not divisible by num_kv_heads " + numKvHeads);
        }
        if (!(normEps > 0)) {
            throw new IllegalArgumentException("rms_norm_epsilon must be > 0, got " + normEps);
        }
        if (!(rotaryPct > 0 && rotaryPct <= 1)) {
            throw new IllegalArgumentException("rotary_pct must be in (0, 1], got " + rotaryPct);
        }
        if (rotaryDims(hiddenSize / numHeads, rotaryPct) % 2 != 0) {
            throw new IllegalArgumentException("rotary_pct " + rotaryPct + " of head dim " + hiddenSize / numHeads
                    + " gives an odd number of rotary dimensions");
        }
        if (!(ropeBase > 1)) {
            throw new IllegalArgumentException("rotary_emb_base must be > 1, got " + ropeBase);
        }
        if (!(ropeScaling > 0) || Double.isInfinite(ropeScaling)) {
            throw new IllegalArgumentException("rotary_emb_scaling_factor must be > 0, got " + ropeScaling);
        }
        if (!(initStd > 0)) {
            throw new IllegalArgumentException("init_method_std must be > 0, got " + initStd);
        }
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Head dimensions RoPE rotates: the leading {@code rotary_pct} share of each head. */
    public int rotaryDims() {
        return rotaryDims(headDim(), rotaryPct);
    }

    private static int rotaryDims(int headDim, double pct) {
        return (int) (headDim * pct);
    }

    /** Parameters of the model as allocated (the output layer counted once when tied): the sum over its table. */
    public long parameterCount() {
        return LlamaLayout.parameterCount(this, 1);
    }

    /**
     * The architecture under GPT-NeoX config keys, the names this record's documentation gives, as a run's resolved
     * config holds them (e.g. for the manifest of a checkpoint converted from Hugging Face).
     */
    public Map<String, Object> toNeoxKeys() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_layers", numLayers);
        m.put("hidden_size", hiddenSize);
        m.put("num_attention_heads", numHeads);
        m.put("num_kv_heads", numKvHeads);
        m.put("intermediate_size", intermediateSize);
        m.put("vocab_size", vocabSize);
        m.put("max_position_embeddings", maxPositions);
        m.put("rms_norm_epsilon", normEps);
        m.put("rotary_pct", rotaryPct);
        m.put("rotary_emb_base", ropeBase);
        m.put("rotary_emb_scaling_factor", ropeScaling);
        m.put("no_weight_tying", !tieEmbeddings);
        m.put("init_method_std", initStd);
        return m;
    }

    /** A builder with nothing set: the sizes must be given, the rest defaults as in {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to change some of them. */
    public Builder toBuilder() {
        return new Builder().numLayers(numLayers).hiddenSize(hiddenSize).numHeads(numHeads).numKvHeads(numKvHeads)
                .intermediateSize(intermediateSize).vocabSize(vocabSize).maxPositions(maxPositions).normEps(normEps)
                .rotaryPct(rotaryPct).ropeBase(ropeBase).ropeScaling(ropeScaling).tieEmbeddings(tieEmbeddings)
                .initStd(initStd);
    }

    /**
     * Named construction. The sizes (layers, hidden size, heads, intermediate size, vocabulary, positions) have no
     * default, so leaving one out fails validation naming its key. The rest default to the trainer's config
     * defaults: KV heads = heads, rms_norm_epsilon 1e-5, rotary_pct 1, rotary_emb_base 10000, no RoPE scaling
     * (rotary_emb_scaling_factor 1), untied output layer, init_method_std 0.02.
     */
    public static final class Builder {
        private int numLayers;
        private int hiddenSize;
        private int numHeads;
        private Integer numKvHeads;
        private int intermediateSize;
        private int vocabSize;
        private int maxPositions;
        private double normEps = 1e-5;
        private double rotaryPct = 1.0;
        private double ropeBase = 10000.0;
        private double ropeScaling = 1.0;
        private boolean tieEmbeddings;
        private double initStd = 0.02;

        private Builder() {
        }

        public Builder numLayers(int value) {
            numLayers = value;
            return this;
        }

        public Builder hiddenSize(int value) {
            hiddenSize = value;
            return this;
        }

        public Builder numHeads(int value) {
            numHeads = value;
            return this;
        }

        public Builder numKvHeads(int value) {
            numKvHeads = value;
            return this;
        }

        public Builder intermediateSize(int value) {
            intermediateSize = value;
            return this;
        }

        public Builder vocabSize(int value) {
            vocabSize = value;
            return this;
        }

        public Builder maxPositions(int value) {
            maxPositions = value;
            return this;
        }

        public Builder normEps(double value) {
            normEps = value;
            return this;
        }

        public Builder rotaryPct(double value) {
            rotaryPct = value;
            return this;
        }

        public Builder ropeBase(double value) {
            ropeBase = value;
            return this;
        }

        public Builder ropeScaling(double value) {
            ropeScaling = value;
            return this;
        }

        public Builder tieEmbeddings(boolean value) {
            tieEmbeddings = value;
            return this;
        }

        public Builder initStd(double value) {
            initStd = value;
            return this;
        }

        /** The config; its constructor's checks apply, naming the GPT-NeoX key of a bad value. */
        public LlamaConfig build() {
            return new LlamaConfig(numLayers, hiddenSize, numHeads, numKvHeads == null ? numHeads : numKvHeads,
                    intermediateSize, vocabSize, maxPositions, normEps, rotaryPct, ropeBase, ropeScaling, tieEmbeddings,
                    initStd);
        }
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
