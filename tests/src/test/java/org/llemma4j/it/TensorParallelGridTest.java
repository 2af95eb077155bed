package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;

/**
 * TP=2 x DP=2 (4 processes, micro batch 2 per DP rank) against one process at micro batch 4 (the same global
 * batch of the same samples), in fp32, through the real trainer: the per-step losses agree over 5 steps, every
 * rank reports the same losses, the two DP replicas of each TP slice end with identical parameters, and the two
 * TP slices differ (they are different halves of the model). With ZeRO stage 1 as well: the optimizer state of
 * each TP slice sharded over its DP group, the gradient norm summed over (TP slice, DP shard) pairs with the
 * replicated norm gains counted once.
 */
class TensorParallelGridTest {

    /**
     * The runs differ in summation order only (row-parallel partial sums, the vocabulary split of the softmax
     * denominator, the DP average, the gradient norm summed per parameter); measured ~1e-7 relative per step.
     * 1e-5 relative is the bound, as for DP=2 against DP=1.
     */
    private static final double LOSS_TOLERANCE = 1e-5;

    /** With overlap the DP reductions run while the backward pass does its own TP all-reduces on the TP group. */
    @ParameterizedTest(name = "ZeRO stage {0}, overlap {1}")
    @CsvSource({"0, false", "1, false", "1, true"})
    void tensorTimesDataParallelEqualsOneProcess(int zeroStage, boolean overlap, @TempDir Path dir) throws Exception {
        Path single = dir.resolve("single");
        Path grid = dir.resolve("tp2dp2");
        Files.createDirectories(single);
        Files.createDirectories(grid);

        TensorParallelRankMain.main(new String[] {single.toString(), "4", "1", "0"});
        SupervisorResult result = new Supervisor(LaunchSpec.local(TensorParallelRankMain.class.getName(),
                List.of(grid.toString(), "2", "2", "" + zeroStage, "" + overlap), 4), System.out).run();
        assertTrue(result.succeeded(), result.message());

        List<String> expected = Files.readAllLines(single.resolve("rank0.losses"));
        List<String> rank0 = Files.readAllLines(grid.resolve("rank0.losses"));
        for (int r = 1; r < 4; r++) {
            assertEquals(rank0, Files.readAllLines(grid.resolve("rank" + r + ".losses")),
                    "rank " + r + " reports rank 0's losses");
        }
        assertEquals(5, expected.size());
        double worst = 0;
        for (int step = 0; step < expected.size(); step++) {
            double want = Double.parseDouble(expected.get(step));
            double got = Double.parseDouble(rank0.get(step));
            assertEquals(want, got, LOSS_TOLERANCE * want, "loss of step " + (step + 1));
            worst = Math.max(worst, Math.abs(got - want) / want);
        }
        System.out.printf("TP=2 x DP=2 (ZeRO stage %d, overlap %s) vs one process over 5 fp32 steps: largest "
                + "relative loss difference %.2e%n", zeroStage, overlap, worst);
        // Ranks 0,1 form TP group 0 and ranks 2,3 TP group 1; DP groups are {0, 2} and {1, 3}.
        assertEquals(Files.readString(grid.resolve("rank0.params")), Files.readString(grid.resolve("rank2.params")),
                "the DP replicas of TP slice 0 are identical");
        assertEquals(Files.readString(grid.resolve("rank1.params")), Files.readString(grid.resolve("rank3.params")),
                "the DP replicas of TP slice 1 are identical");
        assertNotEquals(Files.readString(grid.resolve("rank0.params")), Files.readString(grid.resolve("rank1.params")),
                "the two TP ranks hold different slices");
    }
}
