package org.llemma4j.trainer.metrics;

import org.llemma4j.trainer.model.LlamaConfig;

/**
 * The one place the FLOP count per token is defined (the PaLM / Megatron convention):
 *
 * <pre>
 *   model FLOPs per token = 6 N + 12 L H T
 * </pre>
 *
 * N is the parameter count without the embedding table (the output layer is a real matmul and counts), L the
 * layers, H the hidden size, T the sequence length; 6N is the forward and backward matmuls, 12LHT the attention
 * scores and their weighted sums. Activation recomputation adds one more forward, 2N + 4LHT, to the hardware FLOPs;
 * MFU uses model FLOPs.
 */
public final class FlopsModel {

    private FlopsModel() {
    }

    public static double modelFlopsPerToken(LlamaConfig c, int seqLength) {
        double n = c.parameterCount() - (double) c.vocabSize() * c.hiddenSize();
        return 6 * n + 12.0 * c.numLayers() * c.hiddenSize() * seqLength;
    }

    public static double hardwareFlopsPerToken(LlamaConfig c, int seqLength, boolean recompute) {
        double model = modelFlopsPerToken(c, seqLength);
        return recompute ? model * 4 / 3 : model;
    }
}
