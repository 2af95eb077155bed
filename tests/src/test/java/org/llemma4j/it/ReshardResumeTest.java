package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.ParallelLayout;

/**
 * A checkpoint saved at one TP x DP layout resumes at another: DP=2 (micro batch 4) to DP=1 (micro batch 8) and
 * back, with and without ZeRO-1, and TP=2 x DP=1 to TP=1 x DP=2 and TP=1 x DP=1; always the same global batch of the
 * same samples, in fp32. The step after the resume has the loss of the uninterrupted run.
 */
class ReshardResumeTest {

    /**
     * The resumed step differs from the uninterrupted one only in summation order (one mean over 8 sequences
     * against two means over 4 and a Gloo all-reduce of the fp32 gradients; a row-parallel matmul's two partial
     * sums added by an all-reduce against one matmul): fp32 rounding, ~1e-7 relative, which the one step after the
     * resume cannot amplify much; as in DataParallelEquivalenceTest, 1e-5 relative.
     */
    private static final double LOSS_TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    private int zeroStage;

    @Test
    void savedAtDp2ResumesAtDp1() throws Exception {
        reshard(2, 1);
    }

    @Test
    void savedAtDp1ResumesAtDp2() throws Exception {
        reshard(1, 2);
    }

    /** ZeRO-1: each of the two ranks saved half of the flat optimizer state; one rank reads both halves. */
    @Test
    void savedAtDp2WithZero1ResumesAtDp1() throws Exception {
        reshard(2, 1, 1);
    }

    /** ZeRO-1: each of the two ranks reads its half of the flat optimizer state one rank saved. */
    @Test
    void savedAtDp1ResumesAtDp2WithZero1() throws Exception {
        reshard(1, 2, 1);
    }

    /** Each of the two tensor-parallel ranks saved half of every split tensor; one rank reads both halves. */
    @Test
    void savedAtTp2ResumesAtTp1() throws Exception {
        reshard(new Layout(2, 1), new Layout(1, 1));
    }

    /** Two data-parallel ranks, each reading the whole of every tensor from the two TP files, and ZeRO-1 halves. */
    @Test
    void savedAtTp2ResumesAtTp1Dp2WithZero1() throws Exception {
        this.zeroStage = 1;
        reshard(new Layout(2, 1), new Layout(1, 2));
    }

    private record Layout(int tp, int dp) {
        int ranks() {
            return tp * dp;
        }

        @Override
        public String toString() {
            return "TP=" + tp + " x DP=" + dp;
        }
    }

    private void reshard(int savedDp, int resumedDp) throws Exception {
        reshard(savedDp, resumedDp, 0);
    }

    /** zeroStage applies to the runs at DP=2. */
    private void reshard(int savedDp, int resumedDp, int zeroStage) throws Exception {
        this.zeroStage = zeroStage;
        reshard(new Layout(1, savedDp), new Layout(1, resumedDp));
    }

    private void reshard(Layout saved, Layout resumedAt) throws Exception {
        Path save = dir.resolve("save");
        Path straightRun = dir.resolve("straight");
        run(saved, straightRun, "checkpoint_factor=5", "save=" + save);
        TreeMap<Integer, Double> straight = CheckpointRuns.losses(straightRun);
        assertEquals(6, straight.size(), straight.toString());
        assertEquals(new ParallelLayout(saved.tp(), saved.dp(), saved.dp() > 1 ? zeroStage : 0),
                new CheckpointStore(save).readManifest(save.resolve("step-000005")).parallel());

        Path resumedRun = dir.resolve("resumed");
        String text = run(resumedAt, resumedRun, "load=" + save.resolve("step-000005"),
                "save=" + dir.resolve("resaved"), "checkpoint_factor=0");
        assertTrue(text.contains("resuming after step 5 (40 samples consumed)"), text);
        TreeMap<Integer, Double> resumed = CheckpointRuns.losses(resumedRun);
        assertEquals(List.of(6), List.copyOf(resumed.keySet()), "the resumed run did only step 6: " + resumed);
        double want = straight.get(6);
        double got = resumed.get(6);
        System.out.printf("zero %d, %s -> %s: step 6 loss %.9f straight, %.9f resumed (relative %.2e)%n",
                zeroStage, saved, resumedAt, want, got, Math.abs(got - want) / want);
        assertEquals(want, got, LOSS_TOLERANCE * want, "loss of step 6 after resuming at " + resumedAt);
    }

    /** 6 steps (or what remains of them) at the given layout with 8 sequences per step, fp32. */
    private String run(Layout layout, Path runDir, String... sets) throws Exception {
        List<String> extra = new ArrayList<>(List.of("precision=fp32",
                "train_micro_batch_size_per_gpu=" + 8 / layout.dp(), "model_parallel_size=" + layout.tp()));
        extra.addAll(List.of(sets));
        List<String> args = SmallRun.trainArgs(runDir, 6, extra.toArray(String[]::new));
        if (layout.ranks() > 1) {
            args = layout.dp() > 1 ? CheckpointRuns.withNproc(args, "--set", "zero_optimization.stage=" + zeroStage)
                    : CheckpointRuns.withNproc(args);
        }
        Path output = dir.resolve(runDir.getFileName() + ".txt");
        Process p = SmallRun.launch(args, output);
        assertTrue(SmallRun.waitFor(p, 900), "the run did not finish: " + CheckpointRuns.read(output));
        assertEquals(0, p.exitValue(), CheckpointRuns.read(output));
        return CheckpointRuns.read(output);
    }
}
