package org.llemma4j.launch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.runtime.bench.CollectivesBench;

/**
 * {@code launch bench-collectives [--ranks 2,4] [--sizes-mb 1,2,...,256]}: the bus bandwidth of the Gloo
 * collectives between ranks on this machine ({@link CollectivesBench}). For each world size the command starts
 * that many rank JVMs under the {@link Supervisor} (this same command, with the torchrun variables set), collects
 * rank 0's times and prints one table.
 */
final class CollectivesBenchCommand extends OptionsCommand {

    private static final Option RANKS = Option.builder().longOpt("ranks").hasArg().argName("n,n")
            .desc("world sizes to measure, comma-separated (2,4)").get();
    private static final Option SIZES = Option.builder().longOpt("sizes-mb").hasArg().argName("mb,mb")
            .desc("buffer sizes in MiB (1,2,4,8,16,32,64,128,256)").get();
    private static final Option BUDGET = Option.builder().longOpt("budget-mb").hasArg().argName("mb")
            .desc("bytes per timed loop: repetitions = budget / size, clamped to 3..20 (1024)").get();
    /** Internal: where rank 0 writes its results; set by the parent for its rank JVMs. */
    private static final Option OUT = Option.builder().longOpt("out").hasArg().argName("file").get();
    private static final Options OPTIONS = new Options().addOption(RANKS).addOption(SIZES).addOption(BUDGET)
            .addOption(OUT);

    CollectivesBenchCommand() {
        super("bench-collectives",
                "measure the bus bandwidth of the Gloo collectives between ranks on this machine", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        List<Integer> sizesMb = integers(line, SIZES, "1,2,4,8,16,32,64,128,256");
        int budgetMb = CliParsing.intOption(line, BUDGET, 1024);
        if (DistEnv.fromSystem().source() != DistEnv.Source.SINGLE) {
            String out = line.getOptionValue(OUT.getLongOpt());
            CollectivesBench.rank(sizesMb, budgetMb, out == null ? null : Path.of(out));
            return 0;
        }
        List<Integer> worlds = integers(line, RANKS, "2,4");
        for (int n : worlds) {
            if (n < 2) {
                throw new UsageException("--ranks: a collective needs at least 2 ranks, got " + n);
            }
        }
        System.out.println(CollectivesBench.machine());
        System.out.printf(Locale.ROOT, "load average at start: %s%n", CollectivesBench.loadAverage());
        Map<Integer, Map<String, Double>> secondsByWorld = new LinkedHashMap<>();
        for (int n : worlds) {
            long start = System.nanoTime();
            secondsByWorld.put(n, measure(n, sizesMb, budgetMb));
            System.err.printf(Locale.ROOT, "bench-collectives: %d ranks measured in %.0f s%n", n,
                    (System.nanoTime() - start) / 1e9);
        }
        System.out.printf(Locale.ROOT, "load average at end:   %s%n%n", CollectivesBench.loadAverage());
        CollectivesBench.printTable(System.out, worlds, sizesMb, secondsByWorld);
        return 0;
    }

    /** Runs {@code n} rank JVMs and returns rank 0's results: seconds per call, by "kind size". */
    private static Map<String, Double> measure(int n, List<Integer> sizesMb, int budgetMb) throws IOException {
        Path out = Files.createTempFile("bench-collectives-", ".tsv");
        try {
            List<String> rankArgs = List.of("bench-collectives", "--sizes-mb", join(sizesMb),
                    "--budget-mb", Integer.toString(budgetMb), "--out", out.toString());
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            SupervisorResult result;
            try (PrintStream sink = new PrintStream(log, true, StandardCharsets.UTF_8)) {
                result = new Supervisor(LaunchSpec.local(Launch.class.getName(), rankArgs, n), sink).run();
            }
            if (!result.succeeded()) {
                System.err.print(log.toString(StandardCharsets.UTF_8));
                throw new IllegalStateException(n + " ranks: " + result.message());
            }
            return CollectivesBench.readResults(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static List<Integer> integers(CommandLine line, Option option, String defaults) throws UsageException {
        List<Integer> values = new ArrayList<>();
        for (String s : line.getOptionValue(option.getLongOpt(), defaults).split(",")) {
            try {
                int v = Integer.parseInt(s.trim());
                if (v < 1) {
                    throw new NumberFormatException();
                }
                values.add(v);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + option.getLongOpt() + " takes positive integers separated by commas, "
                        + "got '" + line.getOptionValue(option.getLongOpt()) + "'");
            }
        }
        return values;
    }

    private static String join(List<Integer> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }
}
