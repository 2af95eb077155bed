package org.llemma4j.launch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.parallel.ReduceScatterMode;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * {@code launch bench-collectives [--ranks 2,4] [--sizes-mb 1,2,...,256]}: the bus bandwidth of the Gloo
 * collectives between ranks on this machine (loopback), as nccl-tests defines it, so the figures compare with
 * published NCCL ones. A benchmark, not a test.
 *
 * <p>For each world size the command starts that many rank JVMs under the {@link Supervisor} (this same command,
 * with the torchrun variables set); each rank runs, per collective and size, one warm-up and then a timed loop of
 * back-to-back calls after a barrier, like nccl-tests. The time of one call is the loop's time over its count,
 * averaged over the ranks (nccl-tests' default). With {@code S} the size in bytes (the all-reduce buffer; the
 * whole input of a reduce-scatter; the whole output of an all-gather) and {@code t} that time:
 * {@code algbw = S / t}, {@code busbw = algbw x 2(n-1)/n} for all-reduce and {@code algbw x (n-1)/n} for
 * reduce-scatter and all-gather, in GB/s of 10^9 bytes. Buffers are fp32.
 */
final class CollectivesBenchCommand implements Command {

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

    /** The measured collectives, in table order. */
    enum Kind {
        ALL_REDUCE("all-reduce", 2),
        REDUCE_SCATTER("reduce-scatter", 1),
        REDUCE_SCATTER_VIA_ALL_REDUCE("reduce-scatter via all-reduce", 1),
        ALL_GATHER("all-gather", 1);

        final String label;
        private final int busFactor;      // 2 for all-reduce: bus bandwidth = algbw x busFactor x (n-1)/n

        Kind(String label, int busFactor) {
            this.label = label;
            this.busFactor = busFactor;
        }

        /** nccl-tests' bus bandwidth correction for {@code n} ranks. */
        double busFactor(int n) {
            return busFactor * (n - 1) / (double) n;
        }
    }

    @Override
    public String name() {
        return "bench-collectives";
    }

    @Override
    public String summary() {
        return "measure the bus bandwidth of the Gloo collectives between ranks on this machine";
    }

    @Override
    public int run(List<String> args) throws Exception {
        CommandLine line = CliParsing.parse(OPTIONS, args, "launch bench-collectives");
        if (line == null) {
            return 0;
        }
        List<Integer> sizesMb = integers(line, SIZES, "1,2,4,8,16,32,64,128,256");
        int budgetMb = CliParsing.intOption(line, BUDGET, 1024);
        if (DistEnv.fromSystem().source() != DistEnv.Source.SINGLE) {
            return rank(sizesMb, budgetMb, line.getOptionValue(OUT.getLongOpt()));
        }
        List<Integer> worlds = integers(line, RANKS, "2,4");
        for (int n : worlds) {
            if (n < 2) {
                throw new UsageException("--ranks: a collective needs at least 2 ranks, got " + n);
            }
        }
        System.out.println(machine());
        System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        Map<Integer, Map<String, Double>> secondsByWorld = new LinkedHashMap<>();
        for (int n : worlds) {
            long start = System.nanoTime();
            secondsByWorld.put(n, measure(n, sizesMb, budgetMb));
            System.err.printf(Locale.ROOT, "bench-collectives: %d ranks measured in %.0f s%n", n,
                    (System.nanoTime() - start) / 1e9);
        }
        System.out.printf(Locale.ROOT, "load average at end:   %s%n%n", loadAverage());
        printTable(worlds, sizesMb, secondsByWorld);
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
            Map<String, Double> seconds = new LinkedHashMap<>();
            for (String row : Files.readAllLines(out)) {
                String[] f = row.split("\t");
                seconds.put(f[0] + " " + f[1], Double.parseDouble(f[2]));
            }
            return seconds;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** One rank of the job: measures every collective at every size; rank 0 writes the rank-averaged times. */
    private static int rank(List<Integer> sizesMb, int budgetMb, String out) throws IOException {
        torch.set_num_threads(1);
        DistOptions options = DistOptions.cpu(1).withTimeouts(Duration.ofSeconds(60), Duration.ofMinutes(5));
        List<String> rows = new ArrayList<>();
        try (Distributed dist = Distributed.init(DistEnv.fromSystem(), options)) {
            int n = dist.dims().worldSize();
            Collectives nativeRs = new Collectives(dist.groups().world(), ReduceScatterMode.NATIVE);
            Collectives viaAllReduce = new Collectives(dist.groups().world(), ReduceScatterMode.ALL_REDUCE);
            for (int mb : sizesMb) {
                long bytes = (long) mb << 20;
                long elements = bytes / Float.BYTES / n * n;    // divisible by n for the sharded collectives
                int reps = (int) Math.max(3, Math.min(20, (long) budgetMb / mb));
                for (Kind kind : Kind.values()) {
                    try (PointerScope scope = new PointerScope()) {
                        TensorOptions fp32 = new TensorOptions(ScalarType.Float);
                        Tensor full = torch.ones(new long[] {elements}, fp32);
                        Tensor shard = torch.ones(new long[] {elements / n}, fp32);
                        Runnable op = switch (kind) {
                            case ALL_REDUCE -> () -> nativeRs.allReduce(full, ReduceKind.SUM);
                            case REDUCE_SCATTER -> () -> nativeRs.reduceScatter(full, shard, ReduceKind.SUM);
                            case REDUCE_SCATTER_VIA_ALL_REDUCE ->
                                    () -> viaAllReduce.reduceScatter(full, shard, ReduceKind.SUM);
                            case ALL_GATHER -> () -> nativeRs.allGather(shard, full);
                        };
                        double perCall = timedLoop(dist, op, reps);
                        if (dist.env().rank() == 0) {
                            rows.add(kind.name() + "\t" + mb + "\t" + perCall + "\t" + reps);
                        }
                    }
                }
            }
        }
        if (out != null && !rows.isEmpty()) {
            Files.write(Path.of(out), rows, StandardCharsets.UTF_8);
        }
        return 0;
    }

    /** One warm-up call, then {@code reps} back-to-back calls after a barrier; seconds per call, rank-averaged. */
    private static double timedLoop(Distributed dist, Runnable op, int reps) {
        op.run();
        dist.world().barrier();
        long start = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            op.run();
        }
        double mine = (System.nanoTime() - start) / 1e9 / reps;
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.doubleTensor(mine);
            dist.world().allReduce(t, ReduceKind.SUM);
            return Tensors.toDoubles(t)[0] / dist.dims().worldSize();
        }
    }

    private static void printTable(List<Integer> worlds, List<Integer> sizesMb,
                                   Map<Integer, Map<String, Double>> secondsByWorld) {
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-30s %8s", "collective", "size"));
        for (int n : worlds) {
            header.append(String.format(Locale.ROOT, " | %2d ranks: %9s %7s %7s", n, "time ms", "algbw", "busbw"));
        }
        System.out.println(header);
        System.out.println("-".repeat(header.length()));
        for (Kind kind : Kind.values()) {
            for (int mb : sizesMb) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-30s %5d MB", kind.label, mb));
                for (int n : worlds) {
                    double t = secondsByWorld.get(n).get(kind.name() + " " + mb);
                    double bytes = (double) ((((long) mb << 20) / Float.BYTES / n * n) * Float.BYTES);
                    double algbw = bytes / t / 1e9;
                    row.append(String.format(Locale.ROOT, " | %9s %9.2f %7.2f %7.2f", "", t * 1e3, algbw,
                            algbw * kind.busFactor(n)));
                }
                System.out.println(row);
            }
        }
        System.out.println("algbw, busbw in GB/s (10^9 bytes); busbw = algbw x 2(n-1)/n (all-reduce), "
                + "x (n-1)/n (reduce-scatter, all-gather); MB = 2^20 bytes, fp32");
    }

    /** The machine, as {@code launch bench} prints it, plus memory, OS and Java. */
    static String machine() {
        long memBytes = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memBytes = Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // leave 0: unknown
        }
        return String.format(Locale.ROOT, "machine: %s, %d cores, %.1f GB RAM, %s %s, Java %s; Gloo over loopback "
                        + "(127.0.0.1), one JVM per rank, 1 intra-op thread each",
                BenchCommand.cpuModel(), Runtime.getRuntime().availableProcessors(), memBytes / 1e9,
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version());
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException e) {
            return "unknown";
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
