package org.llemma4j.trainer.zero;

/**
 * The {@code zero_optimization} section: how the optimizer is laid out over the data-parallel group.
 *
 * @param stage            0: every data-parallel rank holds the whole optimizer state; 1: each holds 1/dp of it
 * @param overlapComm      reduce gradient buckets during the backward pass of each step's last micro-batch
 * @param reduceBucketSize most gradient elements per overlapped reduction
 */
public record ZeroSettings(int stage, boolean overlapComm, long reduceBucketSize) {

    /** Stage 0 without overlap (the bucket size is then unused): GPT-NeoX's defaults. */
    public static final ZeroSettings REPLICATED = new ZeroSettings(0, false, 500_000_000L);

    public ZeroSettings {
        if (stage != 0 && stage != 1) {
            throw new IllegalArgumentException("zero_optimization.stage " + stage + " is not supported: only ZeRO "
                    + "stage 0 (replicated optimizer) and 1 (optimizer state sharded over data parallel ranks)");
        }
        if (reduceBucketSize < 1) {
            throw new IllegalArgumentException("zero_optimization.reduce_bucket_size must be at least 1, got "
                    + reduceBucketSize);
        }
    }

    /**
     * Whether the optimizer state is sharded over a data-parallel group of {@code dp} ranks: the one rule the
     * trainer, the checkpoints and the planner share. With one rank there is nothing to shard.
     */
    public boolean shardsOptimizer(int dp) {
        return stage == 1 && dp > 1;
    }
}
