package org.llemma4j.runtime.bench;

import java.util.OptionalDouble;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.SdpaBackend;

/**
 * What {@link StepBench} measures: a model shape, the micro-batch it trains on, and how it is timed.
 *
 * @param model           the Llama's shape (its {@code maxPositions} at least {@code seq})
 * @param seq             tokens per sequence
 * @param microBatch      sequences per step
 * @param steps           timed steps after one warm-up step
 * @param kernel          the attention kernel
 * @param threads         libtorch's intra-op threads on the CPU
 * @param clock           what the steps are timed by on the CPU (a GPU's steps are timed by its events)
 * @param recomputeLayers layers per activation-checkpointing group (1: every layer's forward is recomputed);
 *                        0 keeps every activation
 * @param sdpaBackend     which SDPA implementations may run
 * @param peakTflops      the dense bf16 peak for MFU in TFLOP/s instead of the GPU's datasheet figure (on the
 *                        CPU the peak is always the measured bf16 matmul rate)
 */
public record StepBenchSettings(LlamaConfig model, int seq, int microBatch, int steps, AttentionKernel kernel,
                                int threads, BenchClock clock, int recomputeLayers,
                                SdpaBackend sdpaBackend, OptionalDouble peakTflops) {

    public StepBenchSettings {
        if (seq < 1 || microBatch < 1 || steps < 1 || threads < 1) {
            throw new IllegalArgumentException("seq " + seq + ", micro batch " + microBatch + ", steps " + steps
                    + " and threads " + threads + " must all be >= 1");
        }
        if (seq > model.maxPositions()) {
            throw new IllegalArgumentException("seq " + seq + " exceeds the model's " + model.maxPositions()
                    + " positions");
        }
        if (recomputeLayers < 0 || recomputeLayers > model.numLayers()) {
            throw new IllegalArgumentException("recomputation groups of " + recomputeLayers + " layers: must be 0 "
                    + "(none) to the model's " + model.numLayers() + " layers");
        }
    }

    /** No recomputation, every SDPA implementation, the device's own peak. */
    public static StepBenchSettings of(LlamaConfig model, int seq, int microBatch, int steps,
                                        AttentionKernel kernel, int threads, BenchClock clock) {
        return new StepBenchSettings(model, seq, microBatch, steps, kernel, threads, clock, 0,
                SdpaBackend.ANY, OptionalDouble.empty());
    }
}
