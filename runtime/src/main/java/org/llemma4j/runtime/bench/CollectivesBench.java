package org.llemma4j.runtime.bench;

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
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.parallel.ReduceScatterMode;
import org.llemma4j.parallel.device.HostMemory;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * The bus bandwidth of the Gloo collectives between ranks on this machine (loopback), as nccl-tests defines it,
 * so the figures compare with published NCCL ones ({@code launch bench-collectives}, which starts the ranks). A
 * benchmark, not a test.
 *
 * <p>Each rank runs, per collective and size, one warm-up and then a timed loop of back-to-back calls after a
 * barrier, like nccl-tests. The time of one call is the loop's time over its count, averaged over the ranks
 * (nccl-tests' default). With {@code S} the size in bytes (the all-reduce buffer; the whole input of a
 * reduce-scatter; the whole output of an all-gather) and {@code t} that time: {@code algbw = S / t},
 * {@code busbw = algbw x} {@link CollectiveKind#busFactor}, in GB/s of 10^9 bytes. Buffers are fp32.
 */
public final class CollectivesBench {

    private CollectivesBench() {
    }

    /**
     * One rank of a job whose ranks the environment describes (torchrun's variables): measures every collective
     * at every size; rank 0 writes the rank-averaged times to {@code out} (see {@link #readResults}).
     */
    public static void rank(List<Integer> sizesMb, int budgetMb, Path out) throws IOException {
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
                for (CollectiveKind kind : CollectiveKind.values()) {
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
            Files.write(out, rows, StandardCharsets.UTF_8);
        }
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

    public static void printTable(PrintStream out, List<Integer> worlds, List<Integer> sizesMb,
                                   Map<Integer, Map<String, Double>> secondsByWorld) {
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-30s %8s", "collective", "size"));
        for (int n : worlds) {
            header.append(String.format(Locale.ROOT, " | %2d ranks: %9s %7s %7s", n, "time ms", "algbw", "busbw"));
        }
        out.println(header);
        out.println("-".repeat(header.length()));
        for (CollectiveKind kind : CollectiveKind.values()) {
            for (int mb : sizesMb) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-30s %5d MB", kind.label(), mb));
                for (int n : worlds) {
                    double t = secondsByWorld.get(n).get(kind.name() + " " + mb);
                    double bytes = (double) ((((long) mb << 20) / Float.BYTES / n * n) * Float.BYTES);
                    double algbw = bytes / t / 1e9;
                    row.append(String.format(Locale.ROOT, " | %9s %9.2f %7.2f %7.2f", "", t * 1e3, algbw,
                            algbw * kind.busFactor(n)));
                }
                out.println(row);
            }
        }
        out.println("algbw, busbw in GB/s (10^9 bytes); busbw = algbw x 2(n-1)/n (all-reduce), "
                + "x (n-1)/n (reduce-scatter, all-gather); MB = 2^20 bytes, fp32");
    }

    /** Rank 0's results as {@link #rank} wrote them: seconds per call, by "KIND size". */
    public static Map<String, Double> readResults(Path file) throws IOException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String row : Files.readAllLines(file)) {
            String[] f = row.split("\t");
            seconds.put(f[0] + " " + f[1], Double.parseDouble(f[2]));
        }
        return seconds;
    }

    /** The machine line: as {@code launch bench} prints it, plus memory, OS and Java. */
    public static String machine() {
        long memBytes = HostMemory.totalBytes();
        return String.format(Locale.ROOT, "machine: %s, %d cores, %s RAM, %s %s, Java %s; Gloo over loopback "
                        + "(127.0.0.1), one JVM per rank, 1 intra-op thread each",
                BenchHost.cpu(), Runtime.getRuntime().availableProcessors(),
                memBytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GB", memBytes / 1e9),
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version());
    }

    /** The load averages with their periods. */
    public static String loadAverage() {
        return BenchHost.loadAverage() + " (1, 5, 15 min)";
    }
}
