package org.llemma4j.trainer.zero;

import static org.llemma4j.trainer.tensor.Tensors.scalar;

import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.Slice;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.GradientNorm;
import org.llemma4j.trainer.dist.ParallelContext;

/**
 * ZeRO stage 1, Megatron's distributed optimizer: the flat buffers are cut into dp equal shards and each
 * data-parallel rank owns the fp32 master weights and Adam moments of its shard only (12 bytes per parameter / dp).
 * A step reduce-scatters the gradient buffer (each rank receives the mean of its shard), computes the global norm
 * from the shards, updates its shard, and all-gathers the new bf16 weights into every rank's parameter buffer.
 */
final class ShardedOptimizer implements DataParallelOptimizer {

    private final ParameterSet params;
    private final GradientNorm norm;
    private final DataParallelComm comm;
    private final GradientAccumulator grads;
    private final AdamWState state;
    private final Slice shard;
    private final Tensor gradShard;         // grad[shard]: (padded / dp,) fp32, a view into the buffer

    ShardedOptimizer(ParameterSet params, AdamWSettings adamW, ZeroSettings zero, ParallelContext parallel,
                     GradientNorm norm, Set<String> deferredParams) {
        this.params = params;
        this.norm = norm;
        this.comm = new DataParallelComm(parallel);
        long padded = params.flat().numel();
        this.shard = parallel.dims().dpSlice(padded, "padded parameter buffer");
        this.grads = new GradientAccumulator(params, comm, zero.overlapComm()
                ? GradientBucket.plan(padded, params.decayedNumel(), comm.size(), zero.reduceBucketSize()) : null,
                deferredParams);
        this.state = new AdamWState(params, adamW, shard);
        this.gradShard = grads.all().narrow(0, shard.offset(), shard.length());
        gradShard.retainReference();
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
        if (grads.overlapped()) {
            // The buckets were summed into their owners during the backward pass: the mean is the sum / dp.
            try (NoGradGuard noGrad = new NoGradGuard()) {
                gradShard.div_(scalar(comm.size()));
            }
        } else {
            comm.reduceScatterAverage(grads.all(), gradShard);
        }
        return norm.localSquares(gradShard, shard.offset());
    }

    @Override
    public void step(double lr, double gradNorm) {
        state.step(gradShard, lr, gradNorm);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            comm.allGather(params.flat());
        }
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

    /** Each rank owns a different shard: all of them write. */
    @Override
    public boolean writesState(int dpRank) {
        return true;
    }

    @Override
    public String describe() {
        return "ZeRO stage 1: this rank keeps optimizer state for " + shard.length() + " of "
                + params.flat().numel() + " parameter elements (" + state.bytes() + " bytes = 12 x "
                + params.numel() + " parameters / dp " + comm.size() + " + padding)"
                + OverlappedGradientReduction.describe(grads.bucketCount());
    }

    @Override
    public void close() {
        gradShard.releaseReference();
        grads.close();
        state.close();
    }
}
