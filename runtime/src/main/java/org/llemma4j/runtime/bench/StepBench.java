package org.llemma4j.runtime.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.Bytes;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.MatmulPeak;
import org.llemma4j.parallel.device.MemoryStats;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.SdpaBackend;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * The step benchmark of {@code launch bench}: trains a Llama of the given shape on random tokens for a few steps
 * on the chosen device and prints tokens/s and MFU. On the CPU also where the time goes (forward with loss,
 * backward, optimizer; the attention kernel alone; each block timed alone, see {@link StepBreakdown}), with MFU
 * against the bf16 matmul rate measured in the same process. On CUDA MFU is against the GPU's datasheet dense bf16
 * peak, with recomputation also the hardware-FLOPs utilisation; then the caching allocator's peak memory and the
 * host's share of a step (see {@link TimedSteps}). A benchmark, not a test: figures vary with the machine.
 */
public final class StepBench {

    private StepBench() {
    }

    /**
     * Runs the benchmark described by {@code s} on {@code device}, printing its report to {@code out}.
     *
     * @throws IllegalArgumentException for the {@code meta} device, or a GPU timed by the CPU clock
     */
    public static void run(StepBenchSettings s, ComputeDevice device, PrintStream out) {
        if (device.kind() == DeviceKind.META) {
            throw new IllegalArgumentException("the step benchmark needs a device that computes, not meta");
        }
        if (device.kind() == DeviceKind.CUDA && s.clock() == BenchClock.CPU) {
            throw new IllegalArgumentException("the CPU clock times the host thread; " + device
                    + "'s steps are timed by its events");
        }
        s.sdpaBackend().apply();
        if (device.kind() == DeviceKind.CUDA) {
            runOnGpu(s, device, out);
        } else {
            runOnCpu(s, device, out);
        }
    }

    private static void runOnCpu(StepBenchSettings s, ComputeDevice device, PrintStream out) {
        LlamaConfig config = s.model();
        int seq = s.seq();
        int batch = s.microBatch();
        BenchClock clock = s.clock();
        torch.set_num_threads(s.threads());
        String loadBefore = BenchHost.loadAverage();
        double peak = MatmulPeak.measureCpuBf16(2048, 5, clock);
        out.printf("machine: %s, %d cores, %d intra-op threads, load average %s; timed by %s clock%n",
                BenchHost.cpu(), Runtime.getRuntime().availableProcessors(), s.threads(), loadBefore, clock);
        out.printf("bf16 matmul peak (2048^3, best of 5): %.0f GFLOP/s%n", peak / 1e9);
        printModel(s, out);
        TimedSteps timed = train(s, device);
        double stepTime = timed.step();
        double tokensPerSec = (double) batch * seq / stepTime;
        double attention = attentionSeconds(s.kernel(), batch, config.numHeads(), config.numKvHeads(), seq,
                config.headDim(), clock) * config.numLayers();
        if (s.recomputeLayers() == 0) {
            out.printf("step %.3f s: forward+loss %.3f, backward %.3f, optimizer %.3f; attention kernel alone "
                            + "(fwd+bwd, all layers) %.3f%n", stepTime, timed.forward(), timed.backward(),
                    timed.optimizer(), attention);
        } else {
            out.printf("step %.3f s: forward+loss and backward with the forward recomputed %.3f, optimizer %.3f; "
                            + "attention kernel alone (fwd+bwd, all layers) %.3f%n", stepTime, timed.backward(),
                    timed.optimizer(), attention);
        }
        out.printf("tokens/s %.0f, MFU %.1f%% of the measured bf16 matmul rate%s%n", tokensPerSec,
                100 * tokensPerSec * FlopsModel.modelFlopsPerToken(config, seq) / peak, hfu(s, tokensPerSec, peak));
        if (s.recomputeLayers() == 0) {
            printBreakdown(out, StepBreakdown.measure(config, batch, seq, s.kernel(), clock), timed, peak);
        } else {
            out.println("breakdown by block: not with recomputation (the blocks are timed once, a step runs their "
                    + "forward twice)");
        }
        out.printf("load average at the end: %s%n", BenchHost.loadAverage());
    }

    private static void runOnGpu(StepBenchSettings s, ComputeDevice device, PrintStream out) {
        LlamaConfig config = s.model();
        double peak = device.peakFlops(s.peakTflops());
        out.printf(Locale.ROOT, "device: %s; host: %s, %d cores, load average %s%n", device.description(),
                BenchHost.cpu(), Runtime.getRuntime().availableProcessors(), BenchHost.loadAverage());
        out.printf(Locale.ROOT, "peak: %.0f TFLOP/s dense bf16 (%s)%n", peak / 1e12,
                s.peakTflops().isPresent() ? "given" : "datasheet");
        printModel(s, out);
        TimedSteps timed = train(s, device);
        MemoryStats memory = device.memory();
        double step = timed.wall();
        double tokensPerSec = (double) s.microBatch() * s.seq() / step;
        out.printf(Locale.ROOT, "step %.4f s (host clock over %d steps, device synchronised before and after); on "
                        + "the device: %s, optimizer %.4f s%n", step, s.steps(),
                s.recomputeLayers() == 0
                        ? String.format(Locale.ROOT, "forward+loss %.4f s, backward %.4f s", timed.forward(),
                                timed.backward())
                        : String.format(Locale.ROOT, "forward+loss and backward with the forward recomputed %.4f s",
                                timed.backward()),
                timed.optimizer());
        out.printf(Locale.ROOT, "tokens/s %.0f, MFU %.1f%% (model FLOPs 6N + 12LHT)%s%n", tokensPerSec,
                100 * tokensPerSec * FlopsModel.modelFlopsPerToken(config, s.seq()) / peak,
                hfu(s, tokensPerSec, peak));
        out.printf(Locale.ROOT, "peak memory: %s allocated, %s reserved (%s)%n", gib(memory.peakBytes()),
                gib(memory.peakReservedBytes()), memory.source().description());
        out.printf(Locale.ROOT, "host side of a step: %.4f s issuing it (Java and kernel launches, outside the step's "
                + "one device read) = %.1f%% of the synchronised step%n", timed.hostIssue(),
                100 * timed.hostIssue() / step);
    }

    private static void printModel(StepBenchSettings s, PrintStream out) {
        LlamaConfig c = s.model();
        String heads = c.numKvHeads() == c.numHeads() ? c.numHeads() + " heads"
                : c.numHeads() + " heads / " + c.numKvHeads() + " KV heads";
        String kernel = s.kernel() == AttentionKernel.MATMUL || s.sdpaBackend() == SdpaBackend.ANY
                ? s.kernel().toString() : s.kernel() + " (SDPA implementations: " + SdpaBackend.enabled() + ")";
        out.printf("model: %,d parameters, hidden %d, %d layers, %s, ffn %d, vocab %d; seq %d x micro batch %d, "
                        + "attention %s%s%n", c.parameterCount(), c.hiddenSize(), c.numLayers(), heads,
                c.intermediateSize(), c.vocabSize(), s.seq(), s.microBatch(), kernel,
                s.recomputeLayers() == 0 ? "" : ", forward recomputed in groups of " + s.recomputeLayers()
                        + " layer(s)");
    }

    /** With recomputation: the hardware-FLOPs utilisation, which counts the recomputed forward (2N + 4LHT). */
    private static String hfu(StepBenchSettings s, double tokensPerSec, double peak) {
        if (s.recomputeLayers() == 0) {
            return "";
        }
        return String.format(Locale.ROOT, ", HFU %.1f%% (hardware FLOPs, the recomputed forward included)",
                100 * tokensPerSec * FlopsModel.hardwareFlopsPerToken(s.model(), s.seq(), true) / peak);
    }

    private static String gib(long bytes) {
        return bytes < 0 ? "unknown" : Bytes.gib(bytes);
    }

    /** Trains the steps on {@code device}: a bf16 model and its AdamW on random tokens. */
    private static TimedSteps train(StepBenchSettings s, ComputeDevice device) {
        int[] tokens = new Random(1).ints(s.microBatch() * (s.seq() + 1), 0, s.model().vocabSize()).toArray();
        ParallelContext single = ParallelContext.single(device);
        try (Llama model = new Llama(s.model(), TensorParallelPlan.SINGLE, ScalarType.BFloat16, s.kernel(), 1, 1,
                device);
             DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                     new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0), single)) {
            return TimedSteps.measure(model, optimizer, single, tokens, s.microBatch(), s.seq(), s.steps(),
                    s.recomputeLayers(), () -> 0, s.clock());
        }
    }

    /** The step's time by block (each timed alone) with its share of the measured step, and the matmul rates. */
    private static void printBreakdown(PrintStream out, StepBreakdown b, TimedSteps timed, double peak) {
        double step = timed.step();
        double matmuls = b.attentionMatmuls() + b.mlpMatmuls();
        out.println("breakdown (forward + backward per step, each block timed alone at these shapes, best of 3):");
        row(out, "attention projections (q, k, v, o)", b.attentionMatmuls(), step);
        row(out, "attention core (RoPE, scores, softmax, GQA)", b.attentionCore(), step);
        row(out, "MLP projections (gate, up, down)", b.mlpMatmuls(), step);
        row(out, "MLP elementwise (SiLU x up)", b.mlpElementwise(), step);
        row(out, "norms (RMSNorm)", b.norms(), step);
        row(out, "output layer and loss (chunked)", b.outputAndLoss(), step);
        row(out, "gradient accumulation into fp32", timed.accumulate(), step);
        row(out, "optimizer (grad norm, clip, AdamW)", timed.optimizer(), step);
        row(out, "other (embedding, residuals, autograd; the rest)",
                step - b.total() - timed.accumulate() - timed.optimizer(), step);
        out.printf("  layer projections run at %.0f GFLOP/s (%.0f%% of peak), the output layer and loss at %.0f "
                        + "GFLOP/s of its matmuls (%.0f%%)%n", (b.matmulFlops() - b.outputFlops()) / matmuls / 1e9,
                100 * (b.matmulFlops() - b.outputFlops()) / matmuls / peak, b.outputFlops() / b.outputAndLoss() / 1e9,
                100 * b.outputFlops() / b.outputAndLoss() / peak);
    }

    private static void row(PrintStream out, String what, double seconds, double step) {
        out.printf("  %-50s %7.3f s %5.1f%%%n", what, seconds, 100 * seconds / step);
    }

    /** Seconds for one forward and backward of the attention kernel alone at the model's shapes. */
    private static double attentionSeconds(AttentionKernel kernel, int batch, int heads, int kvHeads, int seq,
                                           int headDim, BenchClock clock) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor q = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
                Tensor k = randomBf16(batch, kvHeads, seq, headDim).requires_grad_(true);
                Tensor v = randomBf16(batch, kvHeads, seq, headDim).requires_grad_(true);
                long t0 = clock.getAsLong();
                kernel.attend(q, k, v).sum().backward();
                best = Math.min(best, (clock.getAsLong() - t0) / 1e9);
            }
        }
        return best;
    }

    private static Tensor randomBf16(long... shape) {
        return torch.randn(shape, new GeneratorOptional(torch.make_generator_cpu(2)),
                new TensorOptions(ScalarType.BFloat16));
    }
}
