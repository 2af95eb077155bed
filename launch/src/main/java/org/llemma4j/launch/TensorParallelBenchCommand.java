package org.llemma4j.launch;

import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;
import org.llemma4j.runtime.bench.TensorParallelBench;

/**
 * {@code launch bench-tp [--steps 3] [--micro-batch 4] [--seq 512]} ({@code scripts/bench-tp}): the step time of
 * the ~100M Llama at TP=1 in one process with all cores, then at TP=2 as two processes with one intra-op thread
 * each, one supervised launch per configuration ({@link TensorParallelBench} is what each rank runs).
 */
final class TensorParallelBenchCommand extends OptionsCommand {

    private static final Option STEPS = Option.builder().longOpt("steps").hasArg().desc("timed steps (3)").get();
    private static final Option BATCH = Option.builder().longOpt("micro-batch").hasArg().desc("micro batch (4)").get();
    private static final Option SEQ = Option.builder().longOpt("seq").hasArg().desc("sequence length (512)").get();
    /** Internal: set by the driver for its rank JVMs, with their intra-op threads. */
    private static final Option RANK_OF_TP = Option.builder().longOpt("rank-of-tp").hasArg().get();
    private static final Option THREADS = Option.builder().longOpt("threads").hasArg().get();
    private static final Options OPTIONS = new Options().addOption(STEPS).addOption(BATCH).addOption(SEQ)
            .addOption(RANK_OF_TP).addOption(THREADS);

    TensorParallelBenchCommand() {
        super("bench-tp",
                "step time of the ~100M Llama at TP=1 and TP=2 on this machine, with the time in TP collectives "
                        + "", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        int steps = CliParsing.intOption(line, STEPS, 3);
        int batch = CliParsing.intOption(line, BATCH, 4);
        int seq = CliParsing.intOption(line, SEQ, 512);
        if (steps < 1 || batch < 1 || seq < 1) {
            throw new UsageException("--steps, --micro-batch and --seq must be >= 1, got " + steps + ", " + batch
                    + ", " + seq);
        }
        if (line.hasOption(RANK_OF_TP.getLongOpt())) {
            TensorParallelBench.rank(CliParsing.intOption(line, RANK_OF_TP, 1), CliParsing.intOption(line, THREADS, 1),
                    steps, batch, seq, System.out);
            return 0;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        for (int tp : new int[] {1, 2}) {
            int threads = Math.max(1, cores / tp);
            System.out.printf("=== TP=%d: %d process(es) x %d intra-op thread(s)%n", tp, tp, threads);
            List<String> rankArgs = List.of(name(), "--rank-of-tp", "" + tp, "--threads", "" + threads,
                    "--steps", "" + steps, "--micro-batch", "" + batch, "--seq", "" + seq);
            SupervisorResult result = new Supervisor(LaunchSpec.local(Launch.class.getName(), rankArgs, tp)
                    .withJvmArgs(List.of("-Xmx2g")), System.out).run();
            if (!result.succeeded()) {
                throw new IllegalStateException("TP=" + tp + " benchmark failed: " + result.message());
            }
        }
        return 0;
    }
}
