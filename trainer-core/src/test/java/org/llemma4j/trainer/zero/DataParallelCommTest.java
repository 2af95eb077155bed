package org.llemma4j.trainer.zero;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.tp.RankThreads;

/**
 * ZeRO-1's collectives over 2 data-parallel ranks (Gloo on loopback, one thread per rank): a buffer whose shard fits
 * one 4 MB Gloo piece goes in place, the way every buffer goes on NCCL (the reduce-scatter's output and the
 * all-gather's input are this rank's slot of the buffer); a larger one goes in pieces. Both must give the exact
 * result (small integers and halves), and the time in them is counted on the timer of the rank's device.
 */
class DataParallelCommTest {

    private static final int DP = 2;
    /** Elements per rank: within one fp32 piece (1M elements), and two and a half pieces. */
    private static final long[] SHARDS = {30, 2_500_000};

    /** (i % 7 + 1) * factor for i in [offset, offset + n), fp64. */
    private static Tensor pattern(long offset, long n, double factor) {
        return torch.arange(new Scalar(offset), new Scalar(offset + n)).remainder(new Scalar(7)).add(new Scalar(1))
                .mul(new Scalar(factor)).to(ScalarType.Double);
    }

    private static void assertExactly(Tensor expected, Tensor actual, String what) {
        double max = actual.to(ScalarType.Double).sub(expected).abs().max().item_double();
        assertEquals(0.0, max, what + ": max |actual - expected|");
    }

    @Test
    void inPlaceAndPiecewiseCollectivesAreExactAndTimed() throws Exception {
        RankThreads.runAll(DP, 1, Duration.ofSeconds(120), dist -> {
            try (ParallelContext parallel = ParallelContext.of(dist)) {
                DataParallelComm comm = new DataParallelComm(parallel);
                int rank = parallel.dims().dpRank();
                for (long n : SHARDS) {
                    for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
                        try (PointerScope scope = new PointerScope()) {
                            String tag = type + ", " + n + " elements per rank, rank " + rank;
                            // The gather must overwrite every slot but this rank's, which holds -1 before.
                            Tensor params = torch.full(new long[] {DP * n}, new Scalar(-1.0)).to(type);
                            params.narrow(0, rank * n, n).copy_(pattern(rank * n, n, 3));
                            comm.allGather(params);
                            assertExactly(pattern(0, DP * n, 3), params, "all-gather, " + tag);

                            // Rank r's gradient is (r + 1) x pattern: the mean over 2 ranks is 1.5 x pattern.
                            Tensor grads = pattern(0, DP * n, rank + 1.0).to(type);
                            Tensor shard = grads.narrow(0, rank * n, n);
                            comm.reduceScatterAverage(grads, shard);
                            assertExactly(pattern(rank * n, n, 1.5), shard, "reduce-scatter into the slot, " + tag);
                        }
                    }
                }
                double seconds = parallel.meanCommSeconds();
                assertTrue(seconds > 0, "communication time " + seconds + " s");
                assertEquals(seconds, parallel.sumOverWorld(seconds)[0] / DP, 0.0, "the same mean on both ranks");
            }
        });
    }
}
