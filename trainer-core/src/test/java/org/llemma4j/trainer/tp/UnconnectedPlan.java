package org.llemma4j.trainer.tp;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.ReduceKind;

/**
 * Rank 0 of a tensor-parallel group of {@code size} that is connected to no other rank: for checks that refuse a
 * layout, or a rank's share of a model, before any collective would run.
 */
public final class UnconnectedPlan implements TensorParallelPlan {

    private final int size;

    public UnconnectedPlan(int size) {
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public Tensor copyToRegion(Tensor x) {
        return x;
    }

    @Override
    public Tensor reduceFromRegion(Tensor partial) {
        return partial;
    }

    @Override
    public void allReduce(Tensor t, ReduceKind op) {
        throw new IllegalStateException("an unconnected plan has no group to reduce over");
    }
}
