package org.llemma4j.launch;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.data.BatchLoader;
import org.llemma4j.runtime.data.RunData;
import org.llemma4j.data.index.Samples;

/**
 * {@code launch inspect-data --config X.yaml [--set key=value]... [--first N] [--data-parallel D]}: prints the
 * first N training samples in training order (global batch 0 first, micro-step-major, all ranks' rows), one JSON
 * array of {@code seq_length + 1} token ids per line, so the order can be compared with GPT-NeoX's or any other
 * tool's. Builds (and caches) the sample index exactly as {@code launch train} does.
 */
final class InspectDataCommand extends OptionsCommand {

    private static final ConfigOptions CONFIG = ConfigOptions.required();
    private static final Option FIRST = Option.builder().longOpt("first").hasArg().argName("n")
            .desc("samples to print (default 10)").get();
    private static final Option DATA_PARALLEL = Option.builder().longOpt("data-parallel").hasArg().argName("d")
            .desc("data-parallel ranks of the run to reproduce (default 1); the number of samples asked for, and so "
                    + "the index, is train_iters x micro batch x accumulation x d").get();
    private static final Option BENCHMARK = Option.builder().longOpt("benchmark").hasArg().argName("k")
            .desc("instead of printing samples, serve the first k global batches through the trainer's prefetching "
                    + "loader (as data-parallel rank 0) and print the rate").get();
    private static final Options OPTIONS = CONFIG.addTo(new Options()).addOption(FIRST)
            .addOption(DATA_PARALLEL).addOption(BENCHMARK);

    InspectDataCommand() {
        super("inspect-data",
                "print the first N training samples in training order, one JSON array of token ids per line", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        int first = CliParsing.intOption(line, FIRST, 10);
        int dp = CliParsing.intOption(line, DATA_PARALLEL, 1);
        if (first < 0 || dp < 1) {
            throw new UsageException("--first must be >= 0 and --data-parallel >= 1, got " + first + " and " + dp);
        }
        TrainConfig config = CONFIG.load(line, List.of(), DataCheck.FILES);
        // stdout carries only the samples: log lines (the CLI logs to stdout) go to stderr meanwhile
        PrintStream stdout = System.out;
        System.setOut(System.err);
        try {
            Samples samples = RunData.training(config, dp);
            if (line.hasOption(BENCHMARK.getLongOpt())) {
                benchmark(samples, config.training(), dp, CliParsing.intOption(line, BENCHMARK, 1), stdout);
            } else {
                print(samples, first, stdout);
            }
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }

    /**
     * Serves {@code batches} global batches as rank 0 of {@code dp} and prints the time per batch: the rate the
     * loader can feed one rank at, to compare with the tokens/s one rank trains at.
     */
    private static void benchmark(Samples samples, TrainingSection training, int dp, int batches,
                                  PrintStream stdout) throws UsageException {
        if (batches < 1 || batches > training.trainIters()) {
            throw new UsageException("--benchmark " + batches + " must be in [1, train_iters = "
                    + training.trainIters() + "]");
        }
        int micro = training.microBatchSize();
        int accumulation = training.gradientAccumulationSteps();
        long start = System.nanoTime();
        long tokens = 0;
        long wait;
        long read;
        try (BatchLoader loader = new BatchLoader(samples, micro, accumulation, dp, 0, batches, 0)) {
            for (long i = 0; i < (long) batches * accumulation; i++) {
                tokens += loader.nextMicroBatch().length / (training.seqLength() + 1) * (long) training.seqLength();
            }
            wait = loader.waitNanos();
            read = loader.readNanos();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.printf(java.util.Locale.ROOT, "served %d global batches (%d samples of %d tokens per rank each) in "
                        + "%.3f s: %.3f ms per batch, %,.0f training tokens/s per rank (prefetch thread reading %.0f "
                        + "ms, consumer waiting %.0f ms)%n", batches, (long) micro * accumulation,
                training.seqLength() + 1, seconds, seconds * 1e3 / batches, tokens / seconds, read / 1e6, wait / 1e6);
        stdout.flush();
    }

    private static void print(Samples samples, int first, PrintStream stdout) throws UsageException, IOException {
        if (first > samples.size()) {
            throw new UsageException("--first " + first + " is more than the " + samples.size() + " samples of "
                    + samples.describe());
        }
        int[] tokens = new int[samples.seqLength() + 1];
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(stdout,
                StandardCharsets.UTF_8), 1 << 16));
        StringBuilder row = new StringBuilder();
        for (long i = 0; i < first; i++) {
            samples.sample(i, tokens, 0);
            row.setLength(0);
            row.append('[');
            for (int k = 0; k < tokens.length; k++) {
                if (k > 0) {
                    row.append(',');
                }
                row.append(tokens[k]);
            }
            out.println(row.append(']'));
        }
        out.flush();
    }
}
