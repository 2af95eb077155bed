package org.llemma4j.trainer.tp;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.ReduceKind;

/**
 * Megatron's g, leaving a row-parallel region (and the vocab-parallel embedding): all-reduce (sum) forward,
 * identity backward.
 *
 * <p>Each rank holds a partial result (its slice of the contraction, or its vocabulary rows); the output is the
 * sum. Every rank then continues with the same full tensor, and the gradient of that output is already the whole
 * gradient on every rank, so it passes to each rank's partial unchanged.
 */
public final class ReduceFromRegion {

    private final Collectives group;
    private long collectiveNanos;

    public ReduceFromRegion(Collectives group) {
        this.group = group;
    }

    /**
     * Forward: partial -> S = sum over the group of partial, returned as S + (partial - partial.detach()). The
     * bracket is exactly zero, so the value is exactly S; S is a constant for autograd, so the backward is
     * d/d(partial) = identity: g's backward needs no code of its own.
     */
    public Tensor forward(Tensor partial) {
        Tensor sum = partial.detach().contiguous().clone();
        long start = System.nanoTime();
        group.allReduce(sum, ReduceKind.SUM);
        collectiveNanos += System.nanoTime() - start;
        if (!partial.requires_grad()) {
            return sum;
        }
        return sum.add(partial.sub(partial.detach()));
    }

    /** Wall time spent in this operator's all-reduces so far. */
    public long collectiveNanos() {
        return collectiveNanos;
    }
}
