package org.llemma4j.parallel;

import org.bytedeco.pytorch.ReduceOp;

/** The reductions the trainer needs: gradient sums and means, and maxima (vocab-parallel softmax, overflow checks). */
public enum ReduceKind {
    SUM(ReduceOp.RedOpType.SUM),
    AVG(ReduceOp.RedOpType.AVG),
    MAX(ReduceOp.RedOpType.MAX),
    MIN(ReduceOp.RedOpType.MIN);

    private final ReduceOp.RedOpType type;

    ReduceKind(ReduceOp.RedOpType type) {
        this.type = type;
    }

    /** The c10d reduction; the caller owns (and closes) the returned native object. */
    ReduceOp toNative() {
        return new ReduceOp(type);
    }
}
