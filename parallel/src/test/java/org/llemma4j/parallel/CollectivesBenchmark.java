package org.llemma4j.parallel;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Not a test: times the ZeRO-1 collectives of a flat buffer between the ranks of a real job. Run one JVM per rank
 * with the torchrun variables set (e.g. under the supervisor), arguments {@code elements repetitions}; rank 0
 * prints one line per collective with the median and the minimum over the repetitions, and the machine it ran on.
 */
public final class CollectivesBenchmark {

    private CollectivesBenchmark() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        DistOptions options = DistOptions.cpu(1).withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(120));
        try (Distributed dist = Distributed.init(System.getenv(), options); PointerScope scope = new PointerScope()) {
            int size = dist.dims().worldSize();
            Collectives c = new Collectives(dist.groups().world(), ReduceScatterMode.NATIVE);
            Collectives viaAllReduce = new Collectives(dist.groups().world(), ReduceScatterMode.ALL_REDUCE);
            if (dist.env().rank() == 0) {
                System.out.printf(Locale.ROOT, "machine: %d cores, %s %s; world %d over Gloo on loopback; %d elements, "
                                + "%d repetitions%n", Runtime.getRuntime().availableProcessors(),
                        System.getProperty("os.name"), System.getProperty("os.arch"), size, n, reps);
            }
            for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
                Tensor buf = torch.ones(n).to(type);
                Tensor shard = torch.empty(n / size).to(type);
                report(dist, type + " allReduce", reps, () -> { c.allReduce(buf, ReduceKind.AVG); return null; });
                report(dist, type + " reduceScatter native", reps,
                        () -> { c.reduceScatter(buf, shard, ReduceKind.AVG); return null; });
                report(dist, type + " reduceScatter via allReduce", reps,
                        () -> { viaAllReduce.reduceScatter(buf, shard, ReduceKind.AVG); return null; });
                report(dist, type + " allGather", reps, () -> { c.allGather(shard, buf); return null; });
                report(dist, type + " fresh copy of the buffer", reps, () -> { buf.clone().close(); return null; });
            }
        }
    }

    private static void report(Distributed dist, String name, int reps, Supplier<Void> op) {
        op.get();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            dist.world().barrier();
            long start = System.nanoTime();
            op.get();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        java.util.Arrays.sort(ms);
        if (dist.env().rank() == 0) {
            System.out.printf(Locale.ROOT, "%-40s median %7.1f ms  min %7.1f ms%n", name, ms[reps / 2], ms[0]);
        }
    }
}
