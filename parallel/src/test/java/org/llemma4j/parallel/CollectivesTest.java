package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every collective's numerical result over real Gloo groups on loopback, one thread per rank, each rank with its own
 * store client and process groups. Values are small integers (and halves), exact in bf16, so results are compared
 * exactly against formulas computed in Java, never against another collective.
 */
class CollectivesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** 4 x 3 x 5 = 60 elements: divisible by 2 and 4, not a power of two. */
    private static final long N = 60;

    static Distributed join(int rank, int world, int port, int tp) {
        DistEnv env = DistEnv.fromEnvironment(Map.of("RANK", "" + rank, "WORLD_SIZE", "" + world,
                "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port));
        return Distributed.init(env, DistOptions.cpu(tp).withTimeouts(TIMEOUT, TIMEOUT));
    }

    /** Element i of rank r's input: (r + 1) * (i % 7 + 1). */
    static Tensor input(int rank, long n, ScalarType type) {
        Tensor i = torch.arange(new Scalar(n)).remainder(new Scalar(7)).add(new Scalar(1));
        return i.mul(new Scalar(rank + 1.0)).to(type);
    }

    /** (i % 7 + 1) * factor, for i in [offset, offset + n). */
    static Tensor pattern(long offset, long n, double factor) {
        Tensor i = torch.arange(new Scalar(offset), new Scalar(offset + n)).remainder(new Scalar(7)).add(new Scalar(1));
        return i.mul(new Scalar(factor)).to(ScalarType.Double);
    }

    static void assertExactly(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.numel(), actual.numel(), what + ": element count");
        Tensor diff = actual.to(ScalarType.Double).reshape(-1).sub(expected.reshape(-1)).abs();
        double max = diff.max().item_double();
        assertEquals(0.0, max, what + ": max |actual - expected| = " + max + "; actual sum "
                + actual.to(ScalarType.Double).sum().item_double() + ", expected sum " + expected.sum().item_double());
    }

    private static ScalarType type(String name) {
        return name.equals("bf16") ? ScalarType.BFloat16 : ScalarType.Float;
    }

    @ParameterizedTest(name = "world {0}")
    @ValueSource(ints = {2, 4})
    void everyCollectiveInFp32AndBf16(int world) throws Exception {
        int port = FreePort.pick();
        double sumFactor = world * (world + 1) / 2.0;
        RankThreads.runAll(world, Duration.ofSeconds(90), rank -> {
            try (Distributed dist = join(rank, world, port, 1)) {
                Collectives c = dist.world();
                assertEquals(world, c.group().size());
                assertEquals(rank, c.group().rank());
                for (String dt : List.of("fp32", "bf16")) {
                    try (PointerScope scope = new PointerScope()) {
                        ScalarType t = type(dt);
                        String tag = dt + " rank " + rank + " of " + world;

                        Tensor sum = input(rank, N, t);
                        c.allReduce(sum, ReduceKind.SUM);
                        assertExactly(pattern(0, N, sumFactor), sum, "allReduce SUM " + tag);

                        Tensor avg = input(rank, N, t);
                        c.allReduce(avg, ReduceKind.AVG);
                        assertExactly(pattern(0, N, (world + 1) / 2.0), avg, "allReduce AVG " + tag);

                        Tensor max = input(rank, N, t);
                        c.allReduce(max, ReduceKind.MAX);
                        assertExactly(pattern(0, N, world), max, "allReduce MAX " + tag);

                        long shard = N / world;
                        for (ReduceScatterMode mode : ReduceScatterMode.values()) {
                            Collectives rs = new Collectives(c.group(), mode);
                            Tensor in = input(rank, N, t);
                            Tensor mine = rs.reduceScatter(in, ReduceKind.SUM);
                            assertExactly(pattern(rank * shard, shard, sumFactor), mine,
                                    "reduceScatter " + mode + " " + tag);
                            assertExactly(pattern(0, N, rank + 1.0), in, "reduceScatter leaves its input, " + tag);
                        }

                        // Rank r contributes the r-th shard of the pattern scaled by 3: the gather is 3 x pattern.
                        Tensor part = pattern(rank * shard, shard, 3).to(t);
                        Tensor all = c.allGather(part);
                        assertExactly(pattern(0, N, 3), all, "allGather " + tag);

                        int root = world - 1;
                        Tensor reduced = input(rank, N, t);
                        try (PendingCollective pending = c.reduceAsync(reduced, ReduceKind.SUM, root)) {
                            pending.await();
                        }
                        if (rank == root) {
                            assertExactly(pattern(0, N, sumFactor), reduced, "reduce SUM into " + root + " " + tag);
                        }

                        Tensor b = input(rank, N, t);
                        c.broadcast(b, root);
                        assertExactly(pattern(0, N, root + 1.0), b, "broadcast from " + root + " " + tag);
                    }
                }
                c.barrier();
            }
        });
    }

    @Test
    void asynchronousHandlesOverlapAndComplete() throws Exception {
        int world = 2;
        int port = FreePort.pick();
        RankThreads.runAll(world, Duration.ofSeconds(60), rank -> {
            try (Distributed dist = join(rank, world, port, 1); PointerScope scope = new PointerScope()) {
                Collectives c = dist.world();
                Tensor a = input(rank, N, ScalarType.Float);
                Tensor b = input(rank, N, ScalarType.BFloat16);
                Tensor shard = torch.empty(N / world);
                Tensor gathered = torch.empty(N);
                Tensor part = pattern(rank * (N / world), N / world, 1).to(ScalarType.Float);
                // Several collectives in flight at once, awaited in reverse order of issue.
                PendingCollective p1 = c.allReduceAsync(a, ReduceKind.SUM);
                PendingCollective p2 = c.allReduceAsync(b, ReduceKind.MAX);
                PendingCollective p3 = c.reduceScatterAsync(input(rank, N, ScalarType.Float), shard, ReduceKind.SUM);
                PendingCollective p4 = c.allGatherAsync(part, gathered);
                assertExactly(pattern(0, N, 1), p4.await(), "async allGather");
                assertExactly(pattern(rank * (N / world), N / world, 3), p3.await(), "async reduceScatter");
                assertExactly(pattern(0, N, 2), p2.await(), "async MAX bf16");
                assertExactly(pattern(0, N, 3), p1.await(), "async SUM");
                assertTrue(p1.isCompleted() && p2.isCompleted());
                p1.await(); // idempotent
                for (PendingCollective p : List.of(p1, p2, p3, p4)) {
                    p.close();
                }
            }
        });
    }

    @Test
    void asynchronousCollectiveOutlivesThePointerScopeThatIssuedIt() throws Exception {
        int world = 2;
        int port = FreePort.pick();
        RankThreads.runAll(world, Duration.ofSeconds(60), rank -> {
            try (Distributed dist = join(rank, world, port, 1); PointerScope outer = new PointerScope()) {
                Tensor big = input(rank, 1 << 20, ScalarType.Float);
                PendingCollective pending;
                try (PointerScope inner = new PointerScope()) {
                    pending = dist.world().allReduceAsync(big, ReduceKind.SUM);
                    // Garbage made while the collective runs is freed with the scope; the collective is not.
                    torch.ones(1000).add(new Scalar(1));
                }
                assertExactly(pattern(0, 1 << 20, 3), pending.await(), "allReduce awaited after its scope closed");
                pending.close();
            }
        });
    }

    @Test
    void tensorAndDataParallelGroupsOfFourRanks() throws Exception {
        int world = 4;
        int port = FreePort.pick();
        RankThreads.runAll(world, Duration.ofSeconds(90), rank -> {
            try (Distributed dist = join(rank, world, port, 2); PointerScope scope = new PointerScope()) {
                assertEquals(List.of(rank / 2 * 2, rank / 2 * 2 + 1), dist.groups().tp().globalRanks());
                assertEquals(List.of(rank % 2, rank % 2 + 2), dist.groups().dp().globalRanks());
                // TP groups {0,1} and {2,3}: sums of (r + 1) are 3 and 7.
                Tensor t = input(rank, N, ScalarType.Float);
                dist.tp().allReduce(t, ReduceKind.SUM);
                assertExactly(pattern(0, N, rank < 2 ? 3 : 7), t, "tp allReduce rank " + rank);
                // DP groups {0,2} and {1,3}: sums 4 and 6; the shard index is the dp rank.
                Tensor d = input(rank, N, ScalarType.BFloat16);
                Tensor shard = dist.dp().reduceScatter(d, ReduceKind.SUM);
                int dpRank = dist.dims().dpRank();
                assertExactly(pattern(dpRank * (N / 2), N / 2, rank % 2 == 0 ? 4 : 6), shard,
                        "dp reduceScatter rank " + rank);
                Tensor w = input(rank, N, ScalarType.Float);
                dist.world().allReduce(w, ReduceKind.SUM);
                assertExactly(pattern(0, N, 10), w, "world allReduce rank " + rank);
                dist.world().barrier();
            }
        });
    }

    @Test
    void wrongSizesAreRejectedWithTheNumbers() throws Exception {
        int port = FreePort.pick();
        RankThreads.runAll(2, Duration.ofSeconds(60), rank -> {
            try (Distributed dist = join(rank, 2, port, 1); PointerScope scope = new PointerScope()) {
                Collectives c = dist.world();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> c.reduceScatter(torch.ones(7), ReduceKind.SUM));
                assertTrue(e.getMessage().contains("7 elements are not divisible by group size 2 (remainder 1)"),
                        e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> c.allGather(torch.ones(3), torch.empty(5)));
                assertTrue(e.getMessage().contains("output has 5 elements, expected 3 x 2 = 6"), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> c.allReduce(torch.ones(4, 6).t(), ReduceKind.SUM));
                assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
                c.barrier();
            }
        });
    }

    /** NCCL moves only CUDA tensors: a host tensor is refused before the backend is touched, naming its device. */
    @Test
    void anNcclGroupRefusesTensorsOffTheGpu() {
        try (PointerScope scope = new PointerScope()) {
            Collectives nccl = new Collectives(new CommGroup("dp/0", List.of(0, 1), 0, CommBackend.NCCL, null));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> nccl.allReduce(torch.ones(4), ReduceKind.SUM));
            assertEquals("allReduce(SUM) of 4 Float elements on group dp/0 (NCCL, rank 0 of 2, global ranks [0, 1]):"
                    + " the tensor is on cpu, but NCCL only moves CUDA tensors: create it on the rank's device",
                    e.getMessage());
            Tensor flat = torch.ones(4);
            e = assertThrows(IllegalArgumentException.class, () -> nccl.allGather(flat.narrow(0, 0, 2), flat));
            assertTrue(e.getMessage().contains("the tensor is on cpu"), e.getMessage());
        }
    }
}
