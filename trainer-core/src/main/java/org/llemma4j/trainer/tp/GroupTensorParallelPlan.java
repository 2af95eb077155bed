package org.llemma4j.trainer.tp;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.ReduceKind;

/**
 * Megatron tensor parallelism over a real tensor-parallel group: {@link #copyToRegion} is f and
 * {@link #reduceFromRegion} is g (see {@link CopyToRegion} and {@link ReduceFromRegion}).
 *
 * <p>Owns f's native gradient hook: close the plan only after the last backward pass of a model built with it.
 */
public final class GroupTensorParallelPlan implements TensorParallelPlan, AutoCloseable {

    private final Collectives group;
    private final CopyToRegion f;
    private final ReduceFromRegion g;
    private long otherCollectiveNanos;

    public GroupTensorParallelPlan(Collectives group) {
        this.group = group;
        this.f = new CopyToRegion(group);
        this.g = new ReduceFromRegion(group);
    }

    @Override
    public int size() {
        return group.group().size();
    }

    @Override
    public int rank() {
        return group.group().rank();
    }

    @Override
    public Tensor copyToRegion(Tensor x) {
        return f.forward(x);
    }

    @Override
    public Tensor reduceFromRegion(Tensor partial) {
        return g.forward(partial);
    }

    @Override
    public void allReduce(Tensor t, ReduceKind op) {
        long start = System.nanoTime();
        group.allReduce(t, op);
        otherCollectiveNanos += System.nanoTime() - start;
    }

    /** Wall time spent in tensor-parallel collectives so far: f's, g's and {@link #allReduce}'s. */
    public long collectiveNanos() {
        return f.collectiveNanos() + g.collectiveNanos() + otherCollectiveNanos;
    }

    /** Gradients f has all-reduced so far. */
    public long gradientReductions() {
        return f.backwardCalls();
    }

    @Override
    public void close() {
        f.close();
    }

    @Override
    public String toString() {
        return "tensor parallelism over " + group.group();
    }
}
