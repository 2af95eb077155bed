package org.llemma4j.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
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
 * {@code launch bench}: trains a Llama of the given shape on random tokens for a few steps and prints where the
 * time goes (forward with loss, backward, optimizer; the attention kernel alone; each block timed alone, see
 * {@link StepBreakdown}), tokens/s and MFU against the bf16 matmul rate measured in the same process. A benchmark,
 * not a test: figures vary with the machine.
 */
final class BenchCommand implements Command {

    private static final Option HIDDEN = Option.builder().longOpt("hidden").hasArg().desc("hidden size (768)").get();
    private static final Option LAYERS = Option.builder().longOpt("layers").hasArg().desc("layers (12)").get();
    private static final Option HEADS = Option.builder().longOpt("heads").hasArg().desc("attention heads (12)").get();
    private static final Option FFN = Option.builder().longOpt("ffn").hasArg().desc("intermediate size (2048)").get();
    private static final Option VOCAB = Option.builder().longOpt("vocab").hasArg().desc("vocabulary (32000)").get();
    private static final Option SEQ = Option.builder().longOpt("seq").hasArg().desc("sequence length (512)").get();
    private static final Option BATCH = Option.builder().longOpt("micro-batch").hasArg().desc("micro batch (4)").get();
    private static final Option STEPS = Option.builder().longOpt("steps").hasArg().desc("timed steps (3)").get();
    private static final Option KERNEL = Option.builder().longOpt("attention").hasArg()
            .desc("attention kernel: MATMUL, SDPA_FP32 or SDPA (MATMUL)").get();
    private static final Option THREADS = Option.builder().longOpt("threads").hasArg()
            .desc("intra-op threads (available cores)").get();
    /** cpuinfo flags that decide bf16 matmul speed, in the order printed. */
    private static final List<String> BF16_FLAGS = List.of("avx512f", "avx512_bf16", "amx_tile", "amx_bf16");

    private static final Option CLOCK = Option.builder().longOpt("clock").hasArg()
            .desc("WALL (elapsed time) or CPU (the main thread's CPU time, with --threads 1 and "
                    + "OPENBLAS_NUM_THREADS=1: unaffected by other processes on a shared machine) (WALL)").get();
    private static final Options OPTIONS = new Options().addOption(HIDDEN).addOption(LAYERS).addOption(HEADS)
            .addOption(FFN).addOption(VOCAB).addOption(SEQ).addOption(BATCH).addOption(STEPS).addOption(KERNEL)
            .addOption(THREADS).addOption(CLOCK);

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "time training steps of a Llama of a given shape on this machine";
    }

    @Override
    public int run(List<String> args) throws Exception {
        CommandLine line = CliParsing.parse(OPTIONS, args, "launch bench");
        if (line == null) {
            return 0;
        }
        int threads = CliParsing.intOption(line, THREADS, Runtime.getRuntime().availableProcessors());
        int hidden = CliParsing.intOption(line, HIDDEN, 768);
        int heads = CliParsing.intOption(line, HEADS, 12);
        int seq = CliParsing.intOption(line, SEQ, 512);
        int batch = CliParsing.intOption(line, BATCH, 4);
        int steps = CliParsing.intOption(line, STEPS, 3);
        AttentionKernel kernel = CliParsing.enumOption(line, KERNEL, AttentionKernel.class, AttentionKernel.MATMUL);
        BenchClock clock = CliParsing.enumOption(line, CLOCK, BenchClock.class, BenchClock.WALL);
        if (clock == BenchClock.CPU && threads != 1) {
            throw new UsageException("--clock CPU counts the main thread's CPU time, which is the whole computation "
                    + "only with --threads 1 (got --threads " + threads + ")");
        }
        if (clock == BenchClock.CPU && !"1".equals(System.getenv("OPENBLAS_NUM_THREADS"))) {
            // libtorch's fp32 matrix multiplies go to OpenBLAS, whose own thread pool ignores --threads.
            throw new UsageException("--clock CPU needs OPENBLAS_NUM_THREADS=1 in the environment: OpenBLAS runs "
                    + "fp32 matrix multiplies on threads of its own otherwise, which the main thread's clock misses");
        }
        LlamaConfig config = LlamaConfig.builder().numLayers(CliParsing.intOption(line, LAYERS, 12))
                .hiddenSize(hidden).numHeads(heads).intermediateSize(CliParsing.intOption(line, FFN, 2048))
                .vocabSize(CliParsing.intOption(line, VOCAB, 32000)).maxPositions(seq).build();

        torch.set_num_threads(threads);
        String loadBefore = loadAverage();
        double peak = MatmulPeak.measureCpuBf16(2048, 5, clock);
        System.out.printf("machine: %s, %d cores, %d intra-op threads, load average %s; timed by %s clock%n",
                cpuModel(), Runtime.getRuntime().availableProcessors(), threads, loadBefore, clock);
        System.out.printf("bf16 matmul peak (2048^3, best of 5): %.0f GFLOP/s%n", peak / 1e9);
        System.out.printf("model: %,d parameters, hidden %d, %d layers, %d heads, ffn %d, vocab %d; seq %d x micro "
                        + "batch %d, attention %s%n", config.parameterCount(), hidden, config.numLayers(), heads,
                config.intermediateSize(), config.vocabSize(), seq, batch, kernel);

        int[] tokens = new Random(1).ints(batch * (seq + 1), 0, config.vocabSize()).toArray();
        TimedSteps timed;
        ParallelContext single = ParallelContext.single();
        try (Llama model = new Llama(config, TensorParallelPlan.SINGLE, ScalarType.BFloat16, kernel, 1);
             DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                     new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0), single)) {
            timed = TimedSteps.measure(model, optimizer, single, tokens, batch, seq, steps, () -> 0, clock);
        }
        double stepTime = timed.step();
        double tokensPerSec = (double) batch * seq / stepTime;
        double attention = attentionSeconds(kernel, batch, heads, seq, hidden / heads, clock) * config.numLayers();
        System.out.printf("step %.3f s: forward+loss %.3f, backward %.3f, optimizer %.3f; attention kernel alone "
                        + "(fwd+bwd, all layers) %.3f%n", stepTime, timed.forward(), timed.backward(),
                timed.optimizer(), attention);
        System.out.printf("tokens/s %.0f, MFU %.1f%% of the measured bf16 matmul rate%n", tokensPerSec,
                100 * tokensPerSec * FlopsModel.modelFlopsPerToken(config, seq) / peak);
        printBreakdown(StepBreakdown.measure(config, batch, seq, kernel, clock), timed, peak);
        System.out.printf("load average at the end: %s%n", loadAverage());
        return 0;
    }

    /** The step's time by block (each timed alone) with its share of the measured step, and the matmul rates. */
    private static void printBreakdown(StepBreakdown b, TimedSteps timed, double peak) {
        double step = timed.step();
        double matmuls = b.attentionMatmuls() + b.mlpMatmuls();
        System.out.println("breakdown (forward + backward per step, each block timed alone at these shapes, best of "
                + "3):");
        row("attention projections (q, k, v, o)", b.attentionMatmuls(), step);
        row("attention core (RoPE, scores, softmax, GQA)", b.attentionCore(), step);
        row("MLP projections (gate, up, down)", b.mlpMatmuls(), step);
        row("MLP elementwise (SiLU x up)", b.mlpElementwise(), step);
        row("norms (RMSNorm)", b.norms(), step);
        row("output layer and loss (chunked)", b.outputAndLoss(), step);
        row("gradient accumulation into fp32", timed.accumulate(), step);
        row("optimizer (grad norm, clip, AdamW)", timed.optimizer(), step);
        row("other (embedding, residuals, autograd; the rest)",
                step - b.total() - timed.accumulate() - timed.optimizer(), step);
        System.out.printf("  layer projections run at %.0f GFLOP/s (%.0f%% of peak), the output layer and loss at %.0f "
                        + "GFLOP/s of its matmuls (%.0f%%)%n", (b.matmulFlops() - b.outputFlops()) / matmuls / 1e9,
                100 * (b.matmulFlops() - b.outputFlops()) / matmuls / peak, b.outputFlops() / b.outputAndLoss() / 1e9,
                100 * b.outputFlops() / b.outputAndLoss() / peak);
    }

    private static void row(String what, double seconds, double step) {
        System.out.printf("  %-50s %7.3f s %5.1f%%%n", what, seconds, 100 * seconds / step);
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

    /**
     * The CPU model and the instruction-set extensions that decide its bf16 speed, from /proc/cpuinfo, for the
     * machine line every benchmark prints: AVX-512, its BF16 dot products, and AMX tiles.
     */
    static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            String model = lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
            Set<String> flags = lines.stream().filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))).orElse(Set.of());
            List<String> present = BF16_FLAGS.stream().filter(flags::contains).toList();
            return model + " (" + (present.isEmpty() ? "no AVX-512 or AMX" : String.join(" ", present)) + ")";
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    /** The 1-, 5- and 15-minute load averages, so a figure taken on a busy machine says so. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
