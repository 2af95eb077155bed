package org.llemma4j.trainer.plan;

import org.llemma4j.parallel.device.GpuModel;
import org.llemma4j.trainer.config.ParallelismSection;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.model.LlamaConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a config needs on a given cluster: per-rank memory (does it fit the GPU?), the parallel layout, tokens per
 * step and an estimate of step time and training time at an assumed MFU. Pure arithmetic: nothing is allocated.
 *
 * @param config           the run
 * @param gpu              the GPU model of every rank
 * @param nodes            nodes
 * @param gpusPerNode      GPUs (ranks) per node
 * @param mfu              assumed model FLOPs utilization, in (0, 1]
 * @param notes            assumptions made while reading the config (such as a vocabulary size), printed first
 */
public record TrainingPlan(TrainConfig config, GpuModel gpu, int nodes, int gpusPerNode, double mfu,
                           List<String> notes) {

    /**
     * The MFU {@code launch plan} assumes unless told otherwise. Llemma 7B's reported ~23,000 A100-hours for
     * 42,000 steps imply about 0.31 for the GPT-NeoX run.
     */
    public static final double DEFAULT_MFU = 0.4;

    private static final double GIB = 1L << 30;

    public TrainingPlan {
        if (nodes < 1 || gpusPerNode < 1) {
            throw new IllegalArgumentException("nodes and GPUs per node must be >= 1, got " + nodes + " x "
                    + gpusPerNode);
        }
        if (!(mfu > 0 && mfu <= 1)) {
            throw new IllegalArgumentException("MFU must be in (0, 1], got " + mfu);
        }
        int world = nodes * gpusPerNode;
        int tp = config.parallelism().modelParallelSize();
        if (world % tp != 0) {
            throw new IllegalArgumentException("world " + world + " (" + nodes + (nodes == 1 ? " node" : " nodes")
                    + " x " + gpusPerNode
                    + " GPUs) is not model_parallel_size " + tp + " x dp: use a multiple of " + tp + " GPUs");
        }
        notes = List.copyOf(notes);
    }

    public LlamaConfig model() {
        return config.model();
    }

    private TrainingSection training() {
        return config.training();
    }

    private ParallelismSection parallelism() {
        return config.parallelism();
    }

    public int worldSize() {
        return nodes * gpusPerNode;
    }

    public int tp() {
        return parallelism().modelParallelSize();
    }

    /** Data-parallel degree: world / tp. */
    public int dp() {
        return worldSize() / tp();
    }

    public long parameterCount() {
        return model().parameterCount();
    }

    public long parametersPerRank() {
        return MemoryModel.parametersPerTpRank(model(), tp());
    }

    /** Sequences per optimizer step across the cluster: micro x accumulation x dp. */
    public long sequencesPerStep() {
        return (long) training().microBatchSize() * training().gradientAccumulationSteps() * dp();
    }

    /** micro x accumulation x dp x seq. */
    public long tokensPerStep() {
        return sequencesPerStep() * training().seqLength();
    }

    // ---- memory per rank ----------------------------------------------------------------------------------

    /** The bytes of one rank, per buffer. */
    public RankMemory memory() {
        return new RankMemory(config, tp(), dp());
    }

    /** The flat bf16 parameter buffer (padded to a multiple of dp). */
    public long weightBytes() {
        return memory().weightBytes();
    }

    /** The fp32 gradient buffer micro-batches accumulate into. */
    public long gradientBytes() {
        return memory().gradientBytes();
    }

    /** fp32 master weights and Adam moments, divided by dp under ZeRO-1. */
    public long optimizerBytes() {
        return memory().optimizerBytes();
    }

    public long checkpointedActivationBytes() {
        return memory().checkpointedActivationBytes();
    }

    public long fullActivationBytes() {
        return memory().fullActivationBytes();
    }

    public long activationBytes() {
        return memory().activationBytes();
    }

    public long headBytes() {
        return memory().headBytes();
    }

    public long logitsBytes() {
        return memory().logitsBytes();
    }

    public long reserveBytes() {
        return memory().cudaReserveBytes();
    }

    /** Everything a rank holds at the peak of a step, as configured, with the CUDA allowance. */
    public long totalBytes() {
        return memory().gpuBytes();
    }

    /** Weights, gradients and optimizer state: what a rank holds between steps. */
    public long modelStateBytes() {
        return memory().modelStateBytes();
    }

    /** The total with the other activation setting, to show what checkpointing buys (or would). */
    public long totalBytesOtherwise() {
        return memory().tensorBytesOtherwise() + reserveBytes();
    }

    public boolean fits() {
        return totalBytes() <= gpu.memoryBytes();
    }

    // ---- throughput ---------------------------------------------------------------------------------------

    /** Model FLOPs per token (FlopsModel: 6N + 12LHT, N without the embedding). */
    public double flopsPerToken() {
        return FlopsModel.modelFlopsPerToken(model(), training().seqLength());
    }

    /** Seconds per optimizer step at the assumed MFU over every GPU. */
    public double stepSeconds() {
        return flopsPerToken() * tokensPerStep() / (worldSize() * gpu.bf16PeakFlops() * mfu);
    }

    /** Days for train_iters steps. */
    public double trainingDays() {
        return stepSeconds() * training().trainIters() / 86_400;
    }

    public double gpuHours() {
        return stepSeconds() * training().trainIters() * worldSize() / 3_600;
    }

    /** Hardware FLOPs utilization at the assumed MFU: recomputation makes the GPUs run one more forward. */
    public double hfu() {
        return mfu * FlopsModel.hardwareFlopsPerToken(model(), training().seqLength(),
                training().checkpointActivations()) / flopsPerToken();
    }

    // ---- report -------------------------------------------------------------------------------------------

    /** The plan as {@code launch plan} prints it. */
    public String report(String configName) {
        LlamaConfig m = model();
        List<String> out = new ArrayList<>();
        out.add(f("plan for %s on %d node%s x %d %s = %d GPUs", configName, nodes, nodes == 1 ? "" : "s",
                gpusPerNode, gpu.cliName(), worldSize()));
        for (String note : notes) {
            out.add("note: " + note);
        }
        out.add("");
        out.add(f("model        Llama, %d layers, hidden %d, %d heads (%d KV), FFN %d, vocab %d, %s output layer",
                m.numLayers(), m.hiddenSize(), m.numHeads(), m.numKvHeads(), m.intermediateSize(), m.vocabSize(),
                m.tieEmbeddings() ? "tied" : "untied"));
        out.add(f("parameters   %,d (%.2f B); %,d per tensor-parallel rank", parameterCount(),
                parameterCount() / 1e9, parametersPerRank()));
        out.add(f("layout       tp %d x dp %d = %d ranks; ZeRO stage %d; %s", tp(), dp(), worldSize(),
                parallelism().zero().stage(), tp() > gpusPerNode
                        ? "tensor parallelism spans nodes (tp > GPUs per node): its all-reduces cross the network"
                        : "tensor parallelism within a node"));
        out.add(f("batch        micro %d x accumulation %d x dp %d = %,d sequences x %d tokens = %,d tokens per step",
                training().microBatchSize(), training().gradientAccumulationSteps(), dp(), sequencesPerStep(),
                training().seqLength(), tokensPerStep()));
        out.add("");
        out.add(f("memory per rank (GiB, 1 GiB = 2^30 bytes)"));
        out.add(row("weights, bf16 (2 B x params/tp)", weightBytes()));
        out.add(row("gradient buffer, fp32 (4 B x params/tp)", gradientBytes()));
        out.add(row(parallelism().zero().shardsOptimizer(dp())
                ? f("optimizer, ZeRO-1 shard (12 B x params/tp / dp %d)", dp())
                : "optimizer, replicated (12 B x params/tp)", optimizerBytes()));
        String ckpt = f("activations, checkpointed: %d x 2sbh + %d layer%s",
                ceilDiv(m.numLayers(), training().checkpointNumLayers()), training().checkpointNumLayers(),
                training().checkpointNumLayers() == 1 ? "" : "s");
        String full = f("activations, not checkpointed: %d layers", m.numLayers());
        out.add(row("parameter gradients, bf16, during backward (2 B x params/tp)",
                memory().parameterGradientBytes()));
        out.add(row((training().checkpointActivations() ? ckpt : full) + f(" (b %d, s %d)",
                training().microBatchSize(), training().seqLength()), activationBytes()));
        out.add(row("output head: final norm 4sbh + fp32 logits 4 B x v/tp x s x b", headBytes()));
        out.add(row("CUDA context, NCCL buffers, fragmentation (fixed)", reserveBytes()));
        out.add(row("total", totalBytes()));
        out.add(f("  %-64s %7.2f", gpu.cliName() + " memory", gpu.memoryBytes() / GIB));
        out.add(fits()
                ? f("fits: %.2f GiB free per GPU", (gpu.memoryBytes() - totalBytes()) / GIB)
                : f("DOES NOT FIT: %.2f GiB over the %s's %.0f GiB", (totalBytes() - gpu.memoryBytes()) / GIB,
                        gpu.cliName(), gpu.memoryBytes() / GIB));
        long other = totalBytesOtherwise();
        out.add(f("%s: %.2f GiB in all (%s)", training().checkpointActivations()
                        ? f("without activation checkpointing the activations would be %.2f GiB",
                                fullActivationBytes() / GIB)
                        : f("with activation checkpointing the activations would be %.2f GiB",
                                checkpointedActivationBytes() / GIB),
                other / GIB, other <= gpu.memoryBytes() ? "fits" : "does not fit"));
        out.add("");
        out.add(f("throughput at MFU %.2f (assumed; --mfu), %s bf16 peak %.0f TFLOP/s", mfu, gpu.cliName(),
                gpu.bf16PeakFlops() / 1e12));
        out.add(line("model FLOPs per token (6N + 12LHT)", f("%.3g", flopsPerToken())));
        out.add(line("FLOPs per step", f("%.3g", flopsPerToken() * tokensPerStep())));
        out.add(line("step time", f("%.2f s (%,.0f tokens/s, %,.0f per GPU)", stepSeconds(),
                tokensPerStep() / stepSeconds(), tokensPerStep() / stepSeconds() / worldSize())));
        out.add(line(f("train_iters %,d", training().trainIters()), f("%.2f days, %,.0f GPU-hours, %.1f B tokens",
                trainingDays(), gpuHours(), tokensPerStep() * (double) training().trainIters() / 1e9)));
        if (training().checkpointActivations()) {
            out.add(line("hardware FLOPs utilization", f("%.2f (recomputation runs one more forward)", hfu())));
        }
        return String.join("\n", out) + "\n";
    }

    private static String row(String label, long bytes) {
        return f("  %-64s %7.2f", label, bytes / GIB);
    }

    private static String line(String label, String value) {
        return f("  %-36s %s", label, value);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
