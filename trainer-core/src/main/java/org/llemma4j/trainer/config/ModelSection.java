package org.llemma4j.trainer.config;

import org.llemma4j.trainer.model.LlamaConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The model section: the one mapping from GPT-NeoX keys to {@link LlamaConfig}, with this trainer's defaults.
 * Training reads it from the whole config; {@code launch generate} and conversions read it from a map of GPT-NeoX
 * keys ({@link #fromNeoxKeys}: a checkpoint's resolved config, or a Hugging Face config under GPT-NeoX names), so
 * a model means the same thing wherever it is built.
 */
public final class ModelSection {

    /** The keys of this section, and seq_length, whose value is max_position_embeddings' default. */
    static final List<ConfigKey<?>> KEYS = List.of(NUM_LAYERS, HIDDEN_SIZE, NUM_ATTENTION_HEADS, NUM_KV_HEADS,
            ATTENTION_TYPE, INTERMEDIATE_SIZE, VOCAB_SIZE, MAKE_VOCAB_SIZE_DIVISIBLE_BY, MAX_POSITION_EMBEDDINGS,
            RMS_NORM_EPSILON, ROTARY_PCT, ROTARY_EMB_BASE, ROTARY_EMB_SCALING_FACTOR, NO_WEIGHT_TYING, INIT_METHOD_STD,
            NORM, POS_EMB, ACTIVATION, MLP_TYPE, SEQ_LENGTH);

    private ModelSection() {
    }

    /**
     * The architecture under GPT-NeoX keys, converted and checked as a config file's would be; keys of other
     * sections are not read (a resolved config holds them too). max_position_embeddings, when absent, is
     * seq_length.
     *
     * @throws ConfigException naming the key at fault
     */
    public static LlamaConfig fromNeoxKeys(Map<String, Object> keys) {
        Map<String, Object> normalized = KeyNames.normalizeTree(keys, "");
        Map<String, Object> section = new LinkedHashMap<>();
        for (ConfigKey<?> key : KEYS) {
            if (normalized.containsKey(key.name())) {
                section.put(key.name(), normalized.get(key.name()));
            }
        }
        ParsedConfig p = ParsedConfig.parse(section);
        p.require(NUM_LAYERS, HIDDEN_SIZE, NUM_ATTENTION_HEADS, VOCAB_SIZE);
        if (!p.isSet(MAX_POSITION_EMBEDDINGS) && !p.isSet(SEQ_LENGTH)) {
            throw new ConfigException("missing required config key max_position_embeddings (or seq_length)");
        }
        return from(p, p.given(SEQ_LENGTH));
    }

    /**
     * Reads the section, checking what single keys cannot: the head layout against attention_type, seq_length
     * against the RoPE tables, the vocabulary against its divisor, and LlamaConfig's own rules.
     *
     * @param seqLength the run's seq_length; required unless max_position_embeddings is given
     */
    static LlamaConfig from(ParsedConfig p, Optional<Integer> seqLength) {
        int heads = p.get(NUM_ATTENTION_HEADS);
        int kvHeads = p.getOr(NUM_KV_HEADS, () -> heads);
        Optional<String> attentionType = p.given(ATTENTION_TYPE);
        attentionType.ifPresent(type -> checkAttentionType(type, heads, kvHeads));
        p.use(ATTENTION_TYPE, kvHeads == heads ? "multihead" : attentionType.orElse("groupedquery"));
        int hidden = p.get(HIDDEN_SIZE);
        int intermediate = p.getOr(INTERMEDIATE_SIZE, () -> llamaIntermediateSize(hidden));
        int maxPositions = p.getOr(MAX_POSITION_EMBEDDINGS, seqLength::orElseThrow);
        if (seqLength.isPresent() && seqLength.get() > maxPositions) {
            throw new ConfigException("seq_length " + seqLength.get() + " exceeds max_position_embeddings "
                    + maxPositions + ": RoPE tables cover only max_position_embeddings positions");
        }
        int vocab = p.get(VOCAB_SIZE);
        int multiple = p.get(MAKE_VOCAB_SIZE_DIVISIBLE_BY);
        if (vocab % multiple != 0) {
            throw new ConfigException("vocab_size " + vocab + " is not a multiple of make_vocab_size_divisible_by "
                    + multiple + " (" + vocab + " % " + multiple + " = " + vocab % multiple + ")");
        }
        // One value each here (their validators allow only Llama's); read so the resolved view records them.
        p.get(NORM);
        p.get(POS_EMB);
        p.get(ACTIVATION);
        p.get(MLP_TYPE);
        try {
            return LlamaConfig.builder().numLayers(p.get(NUM_LAYERS)).hiddenSize(hidden).numHeads(heads)
                    .numKvHeads(kvHeads).intermediateSize(intermediate).vocabSize(vocab).maxPositions(maxPositions)
                    .normEps(p.get(RMS_NORM_EPSILON)).rotaryPct(p.get(ROTARY_PCT)).ropeBase(p.get(ROTARY_EMB_BASE))
                    .ropeScaling(p.get(ROTARY_EMB_SCALING_FACTOR)).tieEmbeddings(!p.get(NO_WEIGHT_TYING))
                    .initStd(p.get(INIT_METHOD_STD)).build();
        } catch (IllegalArgumentException e) {
            // LlamaConfig's messages already name GPT-NeoX keys; keep them, but as our exception type.
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /** Llama's FFN width: 2/3 of 4 x hidden (SwiGLU has three matrices, not two), rounded up to 256. */
    static int llamaIntermediateSize(int hiddenSize) {
        long twoThirds = 8L * hiddenSize / 3;
        long rounded = (twoThirds + 255) / 256 * 256;
        if (rounded > Integer.MAX_VALUE) {
            throw new ConfigException("hidden_size " + hiddenSize + " gives an intermediate_size over 2^31");
        }
        return (int) rounded;
    }

    private static void checkAttentionType(String type, int heads, int kvHeads) {
        if (type.equals("multihead") && kvHeads != heads) {
            throw new ConfigException("attention_type multihead needs num_kv_heads equal to num_attention_heads,"
                    + " got num_kv_heads " + kvHeads + " and num_attention_heads " + heads);
        }
        if (type.equals("multiquery") && kvHeads != 1) {
            throw new ConfigException("attention_type multiquery needs num_kv_heads 1, got num_kv_heads " + kvHeads);
        }
    }
}
