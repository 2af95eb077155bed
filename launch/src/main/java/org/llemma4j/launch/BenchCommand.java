package org.llemma4j.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.metrics.PeakFlops;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * {@code launch bench}: trains a Llama of the given shape on random tokens for a few steps and prints where the
 * time goes (forward with loss, backward, optimizer; the attention kernel alone), tokens/s and MFU against the
 * bf16 matmul rate measured in the same process. A benchmark, not a test: figures vary with the machine.
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
    private static final Options OPTIONS = new Options().addOption(HIDDEN).addOption(LAYERS).addOption(HEADS)
            .addOption(FFN).addOption(VOCAB).addOption(SEQ).addOption(BATCH).addOption(STEPS).addOption(KERNEL)
            .addOption(THREADS);

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
        AttentionKernel kernel = AttentionKernel.valueOf(line.getOptionValue("attention", "MATMUL"));
        LlamaConfig config = LlamaConfig.builder().numLayers(CliParsing.intOption(line, LAYERS, 12))
                .hiddenSize(hidden).numHeads(heads).intermediateSize(CliParsing.intOption(line, FFN, 2048))
                .vocabSize(CliParsing.intOption(line, VOCAB, 32000)).maxPositions(seq).build();

        torch.set_num_threads(threads);
        double peak = PeakFlops.measureCpuBf16Matmul(2048, 5);
        System.out.printf("machine: %s, %d cores, %d intra-op threads%n", cpuModel(),
                Runtime.getRuntime().availableProcessors(), threads);
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
            timed = TimedSteps.measure(model, optimizer, single, tokens, batch, seq, steps, () -> 0);
        }
        double stepTime = timed.step();
        double tokensPerSec = (double) batch * seq / stepTime;
        double attention = attentionSeconds(kernel, batch, heads, seq, hidden / heads) * config.numLayers();
        System.out.printf("step %.3f s: forward+loss %.3f, backward %.3f, optimizer %.3f; attention kernel alone "
                        + "(fwd+bwd, all layers) %.3f%n", stepTime, timed.forward(), timed.backward(),
                timed.optimizer(), attention);
        System.out.printf("tokens/s %.0f, MFU %.1f%% of the measured bf16 matmul rate%n", tokensPerSec,
                100 * tokensPerSec * FlopsModel.modelFlopsPerToken(config, seq) / peak);
        return 0;
    }

    /** Seconds for one forward and backward of the attention kernel alone at the model's shapes. */
    private static double attentionSeconds(AttentionKernel kernel, int batch, int heads, int seq, int headDim) {
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor q = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
                Tensor k = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
                Tensor v = randomBf16(batch, heads, seq, headDim).requires_grad_(true);
                long t0 = System.nanoTime();
                kernel.attend(q, k, v).sum().backward();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
        }
        return best;
    }

    private static Tensor randomBf16(long... shape) {
        return torch.randn(shape, new GeneratorOptional(torch.make_generator_cpu(2)),
                new TensorOptions(ScalarType.BFloat16));
    }

    /** The CPU model from /proc/cpuinfo, for the machine line every benchmark prints. */
    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
