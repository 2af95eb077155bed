package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.parallel.CollectivesTest.assertExactly;
import static org.llemma4j.parallel.CollectivesTest.input;
import static org.llemma4j.parallel.CollectivesTest.join;
import static org.llemma4j.parallel.CollectivesTest.pattern;

import java.time.Duration;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reduce-scatter and all-gather in place, the layout ZeRO-1 uses on NCCL: the shard is this rank's slot of the full
 * buffer, so the all-gather writes straight into the parameter buffer and the reduce-scatter's output is a view into
 * its input. Checked here over Gloo on loopback, one thread per rank, with exact small-integer values.
 */
class InPlaceCollectivesTest {

    /** 4 x 3 x 5 elements: divisible by 2 and 4. */
    private static final long N = 60;

    @ParameterizedTest(name = "world {0}")
    @ValueSource(ints = {2, 4})
    void shardIsThisRanksSlotOfTheFullBuffer(int world) throws Exception {
        int port = FreePort.pick();
        long n = N / world;
        double sumFactor = world * (world + 1) / 2.0;
        RankThreads.runAll(world, Duration.ofSeconds(90), rank -> {
            try (Distributed dist = join(rank, world, port, 1)) {
                for (ScalarType type : List.of(ScalarType.Float, ScalarType.BFloat16)) {
                    try (PointerScope scope = new PointerScope()) {
                        String tag = type + " rank " + rank + " of " + world;
                        // Every slot but this rank's holds -1: the gather must overwrite them all.
                        Tensor flat = input(rank, N, type).fill_(new Scalar(-1.0));
                        flat.narrow(0, rank * n, n).copy_(pattern(rank * n, n, 3).to(type));
                        dist.world().allGather(flat.narrow(0, rank * n, n), flat);
                        assertExactly(pattern(0, N, 3), flat, "in-place allGather " + tag);

                        for (ReduceScatterMode mode : ReduceScatterMode.values()) {
                            Collectives rs = new Collectives(dist.world().group(), mode);
                            Tensor in = input(rank, N, type);
                            rs.reduceScatter(in, in.narrow(0, rank * n, n), ReduceKind.SUM);
                            assertExactly(pattern(rank * n, n, sumFactor), in.narrow(0, rank * n, n),
                                    "in-place reduceScatter " + mode + " " + tag);
                            if (rank > 0) {
                                assertExactly(pattern(0, rank * n, rank + 1.0), in.narrow(0, 0, rank * n),
                                        "in-place reduceScatter " + mode + " leaves the slots before " + tag);
                            }
                        }
                    }
                }
                dist.world().barrier();
            }
        });
    }

    @Test
    void aShardOverlappingAnotherSlotIsRefused() throws Exception {
        int world = 2;
        int port = FreePort.pick();
        long n = N / world;
        RankThreads.runAll(world, Duration.ofSeconds(60), rank -> {
            try (Distributed dist = join(rank, world, port, 1); PointerScope scope = new PointerScope()) {
                Collectives c = dist.world();
                Tensor flat = input(rank, N, ScalarType.Float);
                long wrong = (rank + 1) % world * n;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> c.allGather(flat.narrow(0, wrong, n), flat));
                assertTrue(e.getMessage().contains("overlaps the full buffer at elements [" + wrong + ", "
                        + (wrong + n) + "), but in place it must be this rank's slot [" + rank * n), e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> c.reduceScatter(flat, flat.narrow(0, 1, n), ReduceKind.SUM));
                assertTrue(e.getMessage().contains("the output overlaps the full buffer"), e.getMessage());
                // A shard that shares the storage but lies outside the buffer is not in place: allowed.
                Tensor storage = input(rank, 2 * N + n, ScalarType.Float);
                c.allGather(storage.narrow(0, 2 * N, n).copy_(pattern(rank * n, n, 1)), storage.narrow(0, 0, N));
                assertExactly(pattern(0, N, 1), storage.narrow(0, 0, N), "allGather next to its input");
                c.barrier();
            }
        });
    }
}
