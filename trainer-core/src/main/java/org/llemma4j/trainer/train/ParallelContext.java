package org.llemma4j.trainer.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.ParallelDims;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.trainer.nn.Tensors;

/**
 * Where this process sits in the run and the few collectives the training loop itself needs. A single process
 * has no {@link Distributed} (no store, no port), and every collective is the identity.
 */
public final class ParallelContext {

    private final Distributed dist;          // null for a single process
    private final ParallelDims dims;

    private ParallelContext(Distributed dist, ParallelDims dims) {
        this.dist = dist;
        this.dims = dims;
    }

    public static ParallelContext single() {
        return new ParallelContext(null, ParallelDims.of(1, 1, 0));
    }

    public static ParallelContext of(Distributed dist) {
        return new ParallelContext(dist, dist.dims());
    }

    public ParallelDims dims() {
        return dims;
    }

    /** The process that logs and writes the run directory. */
    public boolean isRank0() {
        return dims.rank() == 0;
    }

    /** Averages {@code tensor} in place over the data-parallel group. */
    public void averageOverDp(Tensor tensor) {
        if (dims.dp() > 1) {
            dist.dp().allReduce(tensor, ReduceKind.AVG);
        }
    }

    /**
     * Reduce-scatter with average over the data-parallel group: {@code output} (this rank's 1/dp of
     * {@code input}, possibly a view into it) receives the mean of all ranks' corresponding parts.
     */
    public void reduceScatterOverDp(Tensor input, Tensor output) {
        if (dims.dp() == 1) {
            output.copy_(input);
            return;
        }
        dist.dp().reduceScatter(input, output, ReduceKind.AVG);
    }

    /**
     * All-gather over the data-parallel group of a flat buffer whose rank-r part is {@code r}'s shard: afterwards
     * every rank holds every shard.
     */
    public void allGatherOverDp(Tensor flat) {
        if (dims.dp() == 1) {
            return;
        }
        long n = flat.numel() / dims.dp();
        Tensor mine = flat.narrow(0, dims.dpRank() * n, n).clone();   // the input must not alias the output
        dist.dp().allGather(mine, flat);
    }

    /** The sum of {@code value} over the data-parallel group. */
    public double sumOverDp(double value) {
        if (dims.dp() == 1) {
            return value;
        }
        Tensor t = torch.full(new long[] {1}, Tensors.scalar(value), new TensorOptions(ScalarType.Double));
        dist.dp().allReduce(t, ReduceKind.SUM);
        return Tensors.item(t);
    }

    /** Element-wise sums of {@code values} over all ranks (every rank gets them), in one small collective. */
    public double[] sumOverWorld(double... values) {
        if (dims.worldSize() == 1) {
            return values.clone();
        }
        Tensor t = torch.zeros(new long[] {values.length}, new TensorOptions(ScalarType.Double));
        t.data_ptr_double().put(values);
        dist.world().allReduce(t, ReduceKind.SUM);
        return Tensors.toDoubles(t);
    }

    /** Waits until every rank got here. */
    public void barrier() {
        if (dims.worldSize() > 1) {
            dist.world().barrier();
        }
    }

    /** Overwrites {@code tensor} on every rank with rank 0's. */
    public void broadcastFromRank0(Tensor tensor) {
        if (dims.worldSize() > 1) {
            dist.world().broadcast(tensor, 0);
        }
    }
}
