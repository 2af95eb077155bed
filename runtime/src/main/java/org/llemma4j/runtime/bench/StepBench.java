package org.llemma4j.runtime.bench;

import java.io.PrintStream;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.MatmulPeak;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * The step benchmark of {@code launch bench}: trains a Llama of the given shape on random tokens for a few steps
 * and prints where the time goes (forward with loss, backward, optimizer; the attention kernel alone; each block
 * timed alone, see {@link StepBreakdown}), tokens/s and MFU against the bf16 matmul rate measured in the same
 * process. A benchmark, not a test: figures vary with the machine.
 */
public final class StepBench {

    private StepBench() {
    }

    /** Runs the benchmark described by {@code s}, printing its report to {@code out}. */
    public static void run(StepBenchSettings s, PrintStream out) {
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
        out.printf("model: %,d parameters, hidden %d, %d layers, %d heads, ffn %d, vocab %d; seq %d x micro "
                        + "batch %d, attention %s%n", config.parameterCount(), config.hiddenSize(),
                config.numLayers(), config.numHeads(), config.intermediateSize(), config.vocabSize(), seq, batch,
                s.kernel());

        int[] tokens = new Random(1).ints(batch * (seq + 1), 0, config.vocabSize()).toArray();
        TimedSteps timed;
        ParallelContext single = ParallelContext.single();
        try (Llama model = new Llama(config, TensorParallelPlan.SINGLE, ScalarType.BFloat16, s.kernel(), 1);
             DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                     new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0), single)) {
            timed = TimedSteps.measure(model, optimizer, single, tokens, batch, seq, s.steps(), () -> 0, clock);
        }
        double stepTime = timed.step();
        double tokensPerSec = (double) batch * seq / stepTime;
        double attention = attentionSeconds(s.kernel(), batch, config.numHeads(), seq, config.headDim(), clock)
                * config.numLayers();
        out.printf("step %.3f s: forward+loss %.3f, backward %.3f, optimizer %.3f; attention kernel alone "
                        + "(fwd+bwd, all layers) %.3f%n", stepTime, timed.forward(), timed.backward(),
                timed.optimizer(), attention);
        out.printf("tokens/s %.0f, MFU %.1f%% of the measured bf16 matmul rate%n", tokensPerSec,
                100 * tokensPerSec * FlopsModel.modelFlopsPerToken(config, seq) / peak);
        printBreakdown(out, StepBreakdown.measure(config, batch, seq, s.kernel(), clock), timed, peak);
        out.printf("load average at the end: %s%n", BenchHost.loadAverage());
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
    private static double attentionSeconds(AttentionKernel kernel, int batch, int heads, int seq, int headDim,
                                           BenchClock clock) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor q = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
                Tensor k = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
                Tensor v = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
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
