package org.llemma4j.parallel;

import java.time.Duration;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One rank of {@link TwoProcessCollectivesTest}, run in its own JVM with the torchrun variables set by the test.
 * Prints {@code CHECK <name> ok} per verified result and exits 0, or prints the failure and exits 1.
 *
 * <p>Modes: {@code verify} checks every collective's numbers, then times the big ones; {@code peer-dies} has rank 1
 * halt before the second all-reduce, and rank 0 must then fail with a described error (exit 2), not hang.
 */
public final class TwoProcessWorker {

    private TwoProcessWorker() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        Duration timeout = Duration.ofSeconds(20);
        DistOptions options = DistOptions.cpu(1).withTimeouts(timeout, timeout);
        int status = 0;
        try (Distributed dist = Distributed.init(System.getenv(), options)) {
            System.out.println("joined " + dist);
            if (mode.equals("verify")) {
                verify(dist);
                time(dist, Integer.parseInt(args[1]));
            } else {
                status = peerDies(dist);
            }
        } catch (Throwable e) {
            System.out.println("FAILED " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            Runtime.getRuntime().halt(1);
        }
        System.out.flush();
        // halt, not exit: the result is decided, and no shutdown work may change the status.
        Runtime.getRuntime().halt(status);
    }

    private static void check(boolean ok, String name, String detail) {
        if (!ok) {
            throw new AssertionError(name + ": " + detail);
        }
        System.out.println("CHECK " + name + " ok");
    }

    private static double maxDiff(Tensor actual, Tensor expected) {
        return actual.to(ScalarType.Double).sub(expected.to(ScalarType.Double)).abs().max().item_double();
    }

    private static void verify(Distributed dist) {
        int rank = dist.env().rank();
        Collectives c = dist.world();
        for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
            try (PointerScope scope = new PointerScope()) {
                String tag = type == ScalarType.Float ? "fp32" : "bf16";
                // rank r holds (r + 1) * (i % 5 + 1), i < 10: sums to 3 * (i % 5 + 1) over two ranks.
                Tensor base = torch.arange(new Scalar(10)).remainder(new Scalar(5)).add(new Scalar(1));
                Tensor x = base.mul(new Scalar(rank + 1.0)).to(type);
                c.allReduce(x, ReduceKind.SUM);
                double d = maxDiff(x, base.mul(new Scalar(3)));
                check(d == 0, "allReduce-sum-" + tag, "max diff " + d);

                Tensor m = base.mul(new Scalar(rank + 1.0)).to(type);
                c.allReduce(m, ReduceKind.MAX);
                d = maxDiff(m, base.mul(new Scalar(2)));
                check(d == 0, "allReduce-max-" + tag, "max diff " + d);

                Tensor shard = c.reduceScatter(base.mul(new Scalar(rank + 1.0)).to(type), ReduceKind.AVG);
                d = maxDiff(shard, base.narrow(0, rank * 5L, 5).mul(new Scalar(1.5)));
                check(d == 0, "reduceScatter-avg-" + tag, "max diff " + d);

                Tensor all = c.allGather(base.narrow(0, rank * 5L, 5).contiguous().to(type));
                d = maxDiff(all, base);
                check(d == 0, "allGather-" + tag, "max diff " + d);

                Tensor b = base.mul(new Scalar(rank + 1.0)).to(type);
                c.broadcast(b, 1);
                d = maxDiff(b, base.mul(new Scalar(2)));
                check(d == 0, "broadcast-" + tag, "max diff " + d);
            }
        }
        c.barrier();
        System.out.println("CHECK barrier ok");
    }

    /** Times the ZeRO-1 collectives on a flat fp32 buffer of {@code n} elements (after one warm-up each). */
    private static void time(Distributed dist, int n) {
        Collectives nativeRs = new Collectives(dist.groups().world(), ReduceScatterMode.NATIVE);
        Collectives viaAllReduce = new Collectives(dist.groups().world(), ReduceScatterMode.ALL_REDUCE);
        try (PointerScope scope = new PointerScope()) {
            Tensor buf = torch.ones(n);
            Tensor shard = torch.empty(n / 2);
            double ar = timeIt(() -> nativeRs.allReduce(buf, ReduceKind.SUM));
            double rs = timeIt(() -> nativeRs.reduceScatter(buf, shard, ReduceKind.SUM));
            double rsAr = timeIt(() -> viaAllReduce.reduceScatter(buf, shard, ReduceKind.SUM));
            double ag = timeIt(() -> nativeRs.allGather(shard, buf));
            // What the all-reduce path pays besides the transfer: a fresh full-size copy of the input.
            double copy = timeIt(() -> buf.clone().close());
            Tensor bf = torch.ones(n).to(ScalarType.BFloat16);
            Tensor bfShard = torch.empty(n / 2).to(ScalarType.BFloat16);
            double arBf = timeIt(() -> nativeRs.allReduce(bf, ReduceKind.SUM));
            double rsBf = timeIt(() -> nativeRs.reduceScatter(bf, bfShard, ReduceKind.SUM));
            System.out.printf(Locale.ROOT, "TIMING rank %d: %d elements (%.0f MB fp32): allReduce %.1f ms, "
                            + "reduceScatter native %.1f ms, reduceScatter via allReduce %.1f ms (of which the input "
                            + "copy %.1f ms), allGather %.1f ms; bf16 allReduce %.1f ms, bf16 reduceScatter %.1f ms%n",
                    dist.env().rank(), n, n * 4 / 1e6, ar, rs, rsAr, copy, ag, arBf, rsBf);
        }
    }

    private static double timeIt(Runnable op) {
        op.run();
        int reps = 3;
        long start = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            op.run();
        }
        return (System.nanoTime() - start) / 1e6 / reps;
    }

    private static int peerDies(Distributed dist) {
        Tensor t = torch.ones(1000);
        dist.world().allReduce(t, ReduceKind.SUM);
        System.out.println("CHECK first-allReduce ok");
        if (dist.env().rank() == 1) {
            System.out.flush();
            Runtime.getRuntime().halt(7);
        }
        try {
            dist.world().allReduce(t, ReduceKind.SUM);
            System.out.println("UNEXPECTED second allReduce succeeded without the peer");
            return 1;
        } catch (DistributedException e) {
            System.out.println("PEER-ERROR " + e.getMessage());
            return 2;
        }
    }
}
