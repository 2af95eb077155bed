package org.llemma4j.trainer.model;

import org.llemma4j.parallel.ShardDim;
import java.util.ArrayList;
import java.util.List;
import org.llemma4j.trainer.nn.Init;
import org.llemma4j.trainer.nn.ParamSpec;

/**
 * The parameters of a Llama, under Hugging Face's names, with their whole shapes and how tensor parallelism
 * splits them (Megatron: q/k/v/gate/up and the vocabulary dimension of the embedding and output layer by rows,
 * o and down by columns, norms replicated).
 */
public final class LlamaLayout {

    private LlamaLayout() {
    }

    public static final String EMBEDDING = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String OUTPUT = "lm_head.weight";

    public static String layer(int i, String rest) {
        return "model.layers." + i + "." + rest;
    }

    /**
     * Rejects a tensor-parallel degree that does not split the model into whole heads, whole KV groups, equal FFN
     * slices and equal vocabulary ranges, naming every number that does not divide (called before allocation).
     */
    public static void checkTensorParallel(LlamaConfig c, int tp) {
        if (tp < 1) {
            throw new IllegalArgumentException("model_parallel_size must be >= 1, got " + tp);
        }
        List<String> problems = new ArrayList<>();
        notDivisible(problems, "num_attention_heads", c.numHeads(), tp);
        notDivisible(problems, "num_kv_heads", c.numKvHeads(), tp);
        notDivisible(problems, "intermediate_size", c.intermediateSize(), tp);
        notDivisible(problems, "vocab_size", c.vocabSize(), tp);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("model_parallel_size " + tp + " does not split the model evenly: "
                    + String.join("; ", problems));
        }
    }

    private static void notDivisible(List<String> problems, String key, long value, int tp) {
        if (value % tp != 0) {
            problems.add(key + " " + value + " is not divisible by " + tp + " (remainder " + value % tp + ")");
        }
    }

    public static List<ParamSpec> specs(LlamaConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long ffn = c.intermediateSize();
        List<ParamSpec> specs = new ArrayList<>();
        specs.add(new ParamSpec(EMBEDDING, new long[] {c.vocabSize(), h}, ShardDim.ROWS, Init.NORMAL));
        for (int i = 0; i < c.numLayers(); i++) {
            specs.add(new ParamSpec(layer(i, "input_layernorm.weight"), new long[] {h}, ShardDim.REPLICATED, Init.ONES));
            specs.add(new ParamSpec(layer(i, "self_attn.q_proj.weight"), new long[] {q, h}, ShardDim.ROWS, Init.NORMAL));
            specs.add(new ParamSpec(layer(i, "self_attn.k_proj.weight"), new long[] {kv, h}, ShardDim.ROWS, Init.NORMAL));
            specs.add(new ParamSpec(layer(i, "self_attn.v_proj.weight"), new long[] {kv, h}, ShardDim.ROWS, Init.NORMAL));
            specs.add(new ParamSpec(layer(i, "self_attn.o_proj.weight"), new long[] {h, q}, ShardDim.COLUMNS, Init.NORMAL));
            specs.add(new ParamSpec(layer(i, "post_attention_layernorm.weight"), new long[] {h}, ShardDim.REPLICATED,
                    Init.ONES));
            specs.add(new ParamSpec(layer(i, "mlp.gate_proj.weight"), new long[] {ffn, h}, ShardDim.ROWS, Init.NORMAL));
            specs.add(new ParamSpec(layer(i, "mlp.up_proj.weight"), new long[] {ffn, h}, ShardDim.ROWS, Init.NORMAL));
            specs.add(new ParamSpec(layer(i, "mlp.down_proj.weight"), new long[] {h, ffn}, ShardDim.COLUMNS, Init.NORMAL));
        }
        specs.add(new ParamSpec(FINAL_NORM, new long[] {h}, ShardDim.REPLICATED, Init.ONES));
        if (!c.tieEmbeddings()) {
            specs.add(new ParamSpec(OUTPUT, new long[] {c.vocabSize(), h}, ShardDim.ROWS, Init.NORMAL));
        }
        return specs;
    }
}
