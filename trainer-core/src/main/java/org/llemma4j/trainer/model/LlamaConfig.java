package org.llemma4j.trainer.model;

/**
 * The architecture of a Llama model: everything needed to allocate and run it, nothing about training.
 *
 * <p>Validation messages name the GPT-NeoX config key, because that is what the user wrote.
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

    /** Parameters of the model as allocated (the output layer counted once when tied). */
    public long parameterCount() {
        long h = hiddenSize;
        long kv = (long) numKvHeads * headDim();
        long attention = h * h * 2 + h * kv * 2;                 // q, o and k, v
        long mlp = 3L * h * intermediateSize;                      // gate, up, down
        long layer = attention + mlp + 2 * h;                      // + two norm weights
        long embedding = (long) vocabSize * h;
        return numLayers * layer + embedding + (tieEmbeddings ? 0 : embedding) + h;
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
