package org.llemma4j.checkpoint;

/**
 * The parallel layout a checkpoint was saved with.
 *
 * @param tp        tensor-parallel degree ({@code model_parallel_size})
 * @param dp        data-parallel degree
 * @param zeroStage ZeRO stage of the optimizer (0: every DP rank holds the whole optimizer state; 1: sharded), the
 *                  stages the trainer implements
 */
public record ParallelLayout(int tp, int dp, int zeroStage) {

    public ParallelLayout {
        if (tp < 1 || dp < 1) {
            throw new IllegalArgumentException("parallel layout needs tp >= 1 and dp >= 1, got tp " + tp + " dp " + dp);
        }
        if (zeroStage != 0 && zeroStage != 1) {
            throw new IllegalArgumentException("zero stage must be 0 or 1, got " + zeroStage);
        }
    }
}
