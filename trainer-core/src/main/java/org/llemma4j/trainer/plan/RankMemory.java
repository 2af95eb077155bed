package org.llemma4j.trainer.plan;

import java.util.Locale;
import org.llemma4j.parallel.device.Bytes;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.model.LlamaConfig;

/**
 * The bytes one rank of a run holds at the peak of a step, per buffer ({@link MemoryModel}'s formulas): what
 * {@code launch plan} prints and what a run checks against its device before allocating anything. Pure arithmetic.
 *
 * <p>The model state is counted as the trainer allocates it: the flat parameter buffer is padded with zeros to a
 * multiple of dp elements (so that it splits into equal ZeRO shards), and the gradient buffer and the optimizer
 * state mirror the padded buffer.
 *
 * @param config the run
 * @param tp     tensor-parallel degree ({@code model_parallel_size})
 * @param dp     data-parallel degree (world / tp)
 */
public record RankMemory(TrainConfig config, int tp, int dp) {

    public RankMemory {
        if (tp < 1 || dp < 1) {
            throw new IllegalArgumentException("tp " + tp + " and dp " + dp + " must be >= 1");
        }
    }

    /** The memory of one rank of a world of {@code worldSize} ranks, at the config's {@code model_parallel_size}. */
    public static RankMemory of(TrainConfig config, int worldSize) {
        int tp = config.parallelism().modelParallelSize();
        if (worldSize < 1 || worldSize % tp != 0) {
            throw new IllegalArgumentException("world size " + worldSize + " is not model_parallel_size " + tp
                    + " x dp");
        }
        return new RankMemory(config, tp, worldSize / tp);
    }

    private LlamaConfig model() {
        return config.model();
    }

    private TrainingSection training() {
        return config.training();
    }

    /** Parameters one tensor-parallel rank holds. */
    public long parameters() {
        return MemoryModel.parametersPerTpRank(model(), tp);
    }

    /** {@link #parameters()} rounded up to a multiple of dp: the length of the flat buffers. */
    public long paddedParameters() {
        return (parameters() + dp - 1) / dp * dp;
    }

    /** The flat bf16 parameter buffer: 2 bytes x padded parameters. */
    public long weightBytes() {
        return MemoryModel.BF16 * paddedParameters();
    }

    /** The fp32 gradient buffer micro-batches accumulate into: 4 bytes x padded parameters. */
    public long gradientBytes() {
        return MemoryModel.FP32 * paddedParameters();
    }

    /**
     * The bf16 gradients autograd hands each parameter (its {@code .grad}) before they are added into the fp32
     * buffer: 2 bytes x parameters, all alive together at the end of a micro-batch's backward pass.
     */
    public long parameterGradientBytes() {
        return MemoryModel.BF16 * parameters();
    }

    /** Whether ZeRO-1 shards the optimizer state over the dp ranks. */
    public boolean shardsOptimizer() {
        return config.parallelism().zero().shardsOptimizer(dp);
    }

    /** fp32 master weights and Adam moments: 12 bytes x padded parameters, / dp under ZeRO-1. */
    public long optimizerBytes() {
        long elements = shardsOptimizer() ? paddedParameters() / dp : paddedParameters();
        return MemoryModel.ADAM_STATE_BYTES * elements;
    }

    /** Weights, gradients and optimizer state: what a rank holds between steps. */
    public long modelStateBytes() {
        return weightBytes() + gradientBytes() + optimizerBytes();
    }

    /** Decoder-layer activations of one micro-batch with full checkpointing (checkpoint_num_layers per group). */
    public long checkpointedActivationBytes() {
        return MemoryModel.checkpointedActivationBytes(model(), training().seqLength(), training().microBatchSize(),
                tp, training().checkpointNumLayers());
    }

    /** Decoder-layer activations of one micro-batch without checkpointing. */
    public long fullActivationBytes() {
        return MemoryModel.fullActivationBytes(model(), training().seqLength(), training().microBatchSize(), tp);
    }

    /** The layer activations of the configured setting (checkpoint_activations). */
    public long activationBytes() {
        return training().checkpointActivations() ? checkpointedActivationBytes() : fullActivationBytes();
    }

    /** Final norm input/output and the fp32 logits slice. */
    public long headBytes() {
        return MemoryModel.headActivationBytes(model(), training().seqLength(), training().microBatchSize(), tp);
    }

    public long logitsBytes() {
        return MemoryModel.logitsBytes(model(), training().seqLength(), training().microBatchSize(), tp);
    }

    /** The fixed allowance a GPU needs beyond the tensors (CUDA context, NCCL buffers, fragmentation). */
    public long cudaReserveBytes() {
        return MemoryModel.CUDA_RESERVE_BYTES;
    }

    /** Everything a rank holds at the peak of a step, as configured, without the CUDA allowance. */
    public long tensorBytes() {
        return modelStateBytes() + parameterGradientBytes() + activationBytes() + headBytes();
    }

    /** Everything a GPU rank needs: {@link #tensorBytes()} and the CUDA allowance. */
    public long gpuBytes() {
        return tensorBytes() + cudaReserveBytes();
    }

    /** The tensors with the other activation setting, to show what checkpointing buys (or would). */
    public long tensorBytesOtherwise() {
        long other = training().checkpointActivations() ? fullActivationBytes() : checkpointedActivationBytes();
        return modelStateBytes() + parameterGradientBytes() + other + headBytes();
    }

    /**
     * What the estimate is made of, for messages: {@code "bf16 weights 6.3 GiB + fp32 gradients 12.6 GiB + ..."};
     * with the CUDA allowance when {@code cuda}.
     */
    public String describe(boolean cuda) {
        String s = String.format(Locale.ROOT, "bf16 weights %s + fp32 gradients %s + optimizer %s%s + bf16"
                        + " parameter gradients %s + activations %s + output head %s", Bytes.gib(weightBytes()),
                Bytes.gib(gradientBytes()), Bytes.gib(optimizerBytes()),
                shardsOptimizer() ? " (ZeRO-1 shard of dp " + dp + ")" : "", Bytes.gib(parameterGradientBytes()),
                Bytes.gib(activationBytes()), Bytes.gib(headBytes()));
        return cuda ? s + " + CUDA context and buffers " + Bytes.gib(cudaReserveBytes()) : s;
    }
}
