package org.llemma4j.runtime.bench;

import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;

/**
 * What {@link StepBench} measures: a model shape, the micro-batch it trains on, and how it is timed.
 *
 * @param model      the Llama's shape (its {@code maxPositions} at least {@code seq})
 * @param seq        tokens per sequence
 * @param microBatch sequences per step
 * @param steps      timed steps after one warm-up step
 * @param kernel     the attention kernel
 * @param threads    libtorch's intra-op threads
 * @param clock      what the steps are timed by
 */
public record StepBenchSettings(LlamaConfig model, int seq, int microBatch, int steps, AttentionKernel kernel,
                                int threads, BenchClock clock) {

    public StepBenchSettings {
        if (seq < 1 || microBatch < 1 || steps < 1 || threads < 1) {
            throw new IllegalArgumentException("seq " + seq + ", micro batch " + microBatch + ", steps " + steps
                    + " and threads " + threads + " must all be >= 1");
        }
        if (seq > model.maxPositions()) {
            throw new IllegalArgumentException("seq " + seq + " exceeds the model's " + model.maxPositions()
                    + " positions");
        }
    }
}
