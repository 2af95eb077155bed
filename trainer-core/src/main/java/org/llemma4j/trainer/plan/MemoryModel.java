package org.llemma4j.trainer.plan;

import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.model.LlamaLayout;

/**
 * Bytes per rank of a Llama trained with Megatron tensor parallelism (degree t), bf16 weights and activations,
 * an fp32 gradient buffer and AdamW (optionally ZeRO-1 over dp ranks). Pure arithmetic.
 *
 * <p>Activations follow Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
 * Models", section 4: a GPT layer stores {@code sbh(34 + 5as/h)} bytes (s sequence, b micro batch, h hidden,
 * a heads; 16-bit values). Adapted to a Llama layer with flash attention (SDPA), no dropout and no sequence
 * parallelism, counted in bytes of bf16 values:
 * <pre>
 *   replicated on every TP rank (the input of a column-parallel layer is the full hidden state):
 *     two RMSNorms, each input and output             8 sbh
 *   split over the TP ranks:
 *     attention: Q, K, V after RoPE, SDPA output       (4 sbh + 4 sb h_kv) / t      (h_kv = kv heads x head dim)
 *                flash attention's fp32 log-sum-exp    4 s b a / t                 (no s^2 term: no score matrix)
 *     SwiGLU:    gate, up, SiLU(gate), SiLU(gate)*up   8 s b f / t                 (f = intermediate_size)
 * </pre>
 * Counted the same way, a GPT layer (4h GeLU MLP, t = 1) stores {@code 32 sbh}: Korthikanti's {@code 34 sbh}
 * without the two dropout masks, and without the {@code 5as/h} score and softmax terms, which flash attention
 * recomputes instead of storing. Llama's SwiGLU MLP stores {@code 8 sbf}: {@code 21.5 sbh} at 7B
 * ({@code f = 11008 = 2.6875 h}) where GeLU's stores {@code 16 sbh}.
 *
 * <p>With full activation checkpointing (checkpoint_num_layers c), only the input of each checkpointed group of
 * c layers is kept ({@code 2 sbh} each), plus, during the backward pass, the working set of the one group being
 * recomputed (c layers as above). Without checkpointing every layer's activations are kept.
 */
public final class MemoryModel {

    /** bf16 bytes per value. */
    public static final int BF16 = 2;
    /** fp32 bytes per value. */
    public static final int FP32 = 4;
    /** AdamW state per parameter: fp32 master weight, first and second moment. */
    public static final int ADAM_STATE_BYTES = 12;
    /** Fixed allowance for the CUDA context, NCCL buffers, libtorch workspaces and allocator fragmentation. */
    public static final long CUDA_RESERVE_BYTES = 3L << 30;

    private MemoryModel() {
    }

    /**
     * Parameters one TP rank holds, counted over the model's table ({@link LlamaLayout}): the matrices split t
     * ways (q, k, v, o, gate, up, down, embedding and output rows), the norm weights replicated. Equal to
     * {@link LlamaConfig#parameterCount()} at t = 1.
     */
    public static long parametersPerTpRank(LlamaConfig m, int tp) {
        return LlamaLayout.parameterCount(m, tp);
    }

    /** Activation bytes one layer keeps for its backward pass (see the class comment). */
    public static long layerActivationBytes(LlamaConfig m, long seq, long micro, int tp) {
        long sb = seq * micro;
        long h = m.hiddenSize();
        long kv = (long) m.numKvHeads() * m.headDim();
        long replicated = 4 * BF16 * sb * h;
        long attention = (2 * BF16 * sb * h + 2 * BF16 * sb * kv) / tp + FP32 * sb * m.numHeads() / tp;
        long mlp = 4 * BF16 * sb * m.intermediateSize() / tp;
        return replicated + attention + mlp;
    }

    /** Every layer's activations kept through the forward pass: no checkpointing. */
    public static long fullActivationBytes(LlamaConfig m, long seq, long micro, int tp) {
        return m.numLayers() * layerActivationBytes(m, seq, micro, tp);
    }

    /**
     * Full checkpointing of groups of {@code layersPerCheckpoint} layers: each group's input ({@code 2 sbh}),
     * plus one group's working set while it is recomputed.
     */
    public static long checkpointedActivationBytes(LlamaConfig m, long seq, long micro, int tp,
                                                   int layersPerCheckpoint) {
        long groups = (m.numLayers() + layersPerCheckpoint - 1) / layersPerCheckpoint;
        long inputs = groups * BF16 * seq * micro * m.hiddenSize();
        return inputs + layersPerCheckpoint * layerActivationBytes(m, seq, micro, tp);
    }

    /**
     * The output head: the final RMSNorm's input and output ({@code 4 sbh} bytes in bf16) and the fp32 logits
     * of this rank's vocabulary slice ({@code 4 x vocab/t x s x b}), which the vocab-parallel cross entropy
     * keeps for its backward pass.
     */
    public static long headActivationBytes(LlamaConfig m, long seq, long micro, int tp) {
        return 2 * BF16 * seq * micro * m.hiddenSize() + logitsBytes(m, seq, micro, tp);
    }

    /** fp32 logits of this rank's vocabulary slice: {@code 4 x vocab/t x s x b}. */
    public static long logitsBytes(LlamaConfig m, long seq, long micro, int tp) {
        return FP32 * (m.vocabSize() / tp) * seq * micro;
    }
}
