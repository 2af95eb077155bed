package org.llemma4j.trainer.zero;

import static org.llemma4j.trainer.tensor.Tensors.scalar;

import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.Slice;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.GradientNorm;
import org.llemma4j.trainer.dist.ParallelContext;

/**
 * ZeRO stage 0: every data-parallel rank holds the whole optimizer state and takes the same step. The gradient
 * buffer is averaged over the group (all-reduce), so every replica computes identical new weights.
 */
final class ReplicatedOptimizer implements DataParallelOptimizer {

    private final GradientNorm norm;
    private final DataParallelComm comm;        // null with one data-parallel rank
    private final GradientAccumulator grads;
    private final AdamWState state;
    private final int dp;

    ReplicatedOptimizer(ParameterSet params, AdamWSettings adamW, ZeroSettings zero, ParallelContext parallel,
                        GradientNorm norm, Set<String> deferredParams) {
        this.norm = norm;
        this.dp = parallel.dims().dp();
        this.comm = dp > 1 ? new DataParallelComm(parallel) : null;
        long padded = params.flat().numel();
        this.grads = new GradientAccumulator(params, comm, zero.overlapComm() && dp > 1
                ? GradientBucket.plan(padded, params.decayedNumel(), 1, zero.reduceBucketSize()) : null,
                deferredParams);
        this.state = new AdamWState(params, adamW, new Slice(0, padded));
    }

    @Override
    public void beginMicroBatch(boolean last) {
        grads.beginMicroBatch(last);
    }

    @Override
    public void endMicroBatch() {
        grads.endMicroBatch();
    }

    @Override
    public Tensor reduceGradients() {
        if (comm != null && !grads.overlapped()) {
            comm.average(grads.all());
        }
        // Every replica holds the same reduced gradient: each contributes 1/dp of its squares to the world's sum.
        return norm.localSquares(grads.all(), 0).div_(scalar(dp));
    }

    @Override
    public void step(double lr, double gradNorm) {
        state.step(grads.all(), lr, gradNorm);
        grads.clear();
    }

    @Override
    public void discardGradients() {
        grads.clear();
    }

    @Override
    public AdamWState state() {
        return state;
    }

    /** Every replica holds the same state: the first one writes it. */
    @Override
    public boolean writesState(int dpRank) {
        return dpRank == 0;
    }

    @Override
    public String describe() {
        return "optimizer: AdamW state for all " + state.range().length() + " parameter elements on every "
                + "data-parallel rank (ZeRO stage 0, " + state.bytes() / 1_000_000 + " MB)"
                + OverlappedGradientReduction.describe(grads.bucketCount());
    }

    @Override
    public void close() {
        grads.close();
        state.close();
    }
}
