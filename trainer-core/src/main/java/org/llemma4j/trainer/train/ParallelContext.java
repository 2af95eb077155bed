package org.llemma4j.trainer.train;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.CommBackend;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.ParallelDims;
import org.llemma4j.parallel.PendingCollective;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.trainer.nn.TensorParallelPlan;
import org.llemma4j.trainer.nn.Tensors;
import org.llemma4j.trainer.tp.GroupTensorParallelPlan;

/**
 * Where this process sits in the run and the few collectives the training loop itself needs. A single process
 * has no {@link Distributed} (no store, no port), and every collective is the identity.
 *
 * <p>The wall time spent inside the collectives is accumulated ({@link #commSeconds()}): from this rank's side, so
 * it includes waiting for a slower peer to arrive, not only the transfer. The identity collectives of a single
 * process cost nothing and are not counted.
 */
public final class ParallelContext {

    /** See {@link #pieceElements}. */
    private static final long GLOO_PIECE_BYTES = 4L << 20;

    private final Distributed dist;          // null for a single process
    private final ParallelDims dims;
    private long commNanos;                  // only the training thread calls the collectives
    private final TensorParallelPlan tensorParallel;

    private ParallelContext(Distributed dist, ParallelDims dims) {
        this.dist = dist;
        this.dims = dims;
        // Lives as long as this context: f's gradient hook must outlive every backward pass of the model.
        this.tensorParallel = dims.tp() > 1 ? new GroupTensorParallelPlan(dist.tp()) : TensorParallelPlan.SINGLE;
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

    /** How the model is split over this rank's tensor-parallel group (the identity at model_parallel_size 1). */
    public TensorParallelPlan tensorParallel() {
        return tensorParallel;
    }

    /** The process that logs and writes the run directory. */
    public boolean isRank0() {
        return dims.rank() == 0;
    }

    /** Averages {@code tensor} in place over the data-parallel group. */
    public void averageOverDp(Tensor tensor) {
        if (dims.dp() > 1) {
            long start = System.nanoTime();
            dist.dp().allReduce(tensor, ReduceKind.AVG);
            commNanos += System.nanoTime() - start;
        }
    }

    /**
     * Reduce-scatter with average over the data-parallel group: {@code output} (this rank's 1/dp of
     * {@code input}, possibly a view into it) receives the mean of all ranks' corresponding parts. Moved in pieces
     * ({@link #pieceElements}).
     */
    public void reduceScatterOverDp(Tensor input, Tensor output) {
        if (dims.dp() == 1) {
            output.copy_(input);
            return;
        }
        long start = System.nanoTime();
        int dp = dims.dp();
        long n = output.numel();
        long piece = pieceElements(input);
        for (long from = 0; from < n; from += piece) {
            long length = Math.min(piece, n - from);
            try (PointerScope scope = new PointerScope()) {
                // Column block [from, from + length) of every rank's part: (dp, length), made contiguous so that
                // rank r's part of this piece is its r-th row.
                Tensor block = input.view(dp, n).narrow(1, from, length).contiguous().view(-1);
                dist.dp().reduceScatter(block, output.narrow(0, from, length), ReduceKind.AVG);
            }
        }
        commNanos += System.nanoTime() - start;
    }

    /**
     * Starts a sum of {@code tensor} over the data-parallel group into data-parallel rank {@code owner}; the
     * other ranks' {@code tensor} is scratch afterwards. Needs dp > 1. Launching takes no time worth counting; the
     * wait does ({@link #awaitAll}).
     */
    public PendingCollective sumToDpRankAsync(Tensor tensor, int owner) {
        return dist.dp().reduceAsync(tensor, ReduceKind.SUM, owner);
    }

    /** Starts an in-place average of {@code tensor} over the data-parallel group. Needs dp > 1. */
    public PendingCollective averageOverDpAsync(Tensor tensor) {
        return dist.dp().allReduceAsync(tensor, ReduceKind.AVG);
    }

    /** Waits for the collectives, in order, and frees them; the time blocked counts as communication time. */
    public void awaitAll(List<PendingCollective> pending) {
        long start = System.nanoTime();
        for (PendingCollective p : pending) {
            p.close();
        }
        commNanos += System.nanoTime() - start;
    }

    /**
     * All-gather over the data-parallel group of a flat buffer whose rank-r part is {@code r}'s shard: afterwards
     * every rank holds every shard. Moved in pieces ({@link #pieceElements}).
     */
    public void allGatherOverDp(Tensor flat) {
        if (dims.dp() == 1) {
            return;
        }
        long start = System.nanoTime();
        int dp = dims.dp();
        long n = flat.numel() / dp;
        long piece = pieceElements(flat);
        for (long from = 0; from < n; from += piece) {
            long length = Math.min(piece, n - from);
            try (PointerScope scope = new PointerScope()) {
                Tensor mine = flat.narrow(0, dims.dpRank() * n + from, length);
                Tensor gathered = dist.dp().allGather(mine);                    // (dp x length), rank-major
                flat.view(dp, n).narrow(1, from, length).copy_(gathered.view(dp, length));
            }
        }
        commNanos += System.nanoTime() - start;
    }

    /**
     * Elements per rank per call of ZeRO-1's reduce-scatter and all-gather. On Gloo, 4 MB: its all-gather and the
     * reduce-scatter (via all-reduce of a copy) slowed down 20-fold above 16 MB here, and a piece also bounds the
     * temporary copy to dp x 4 MB instead of the whole buffer; for the ~100M model at DP=2 the step went from
     * 15.1 to 8.8 s and peak memory down by 800 MB (docs/benchmarks.md, "ZeRO-1"). NCCL runs fastest on whole
     * buffers.
     */
    private long pieceElements(Tensor buffer) {
        long whole = buffer.numel() / dims.dp();
        if (dist.dp().group().kind() != CommBackend.GLOO) {
            return whole;
        }
        return Math.max(1, Math.min(whole, GLOO_PIECE_BYTES / buffer.element_size()));
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
        long start = System.nanoTime();
        dist.world().allReduce(t, ReduceKind.SUM);
        commNanos += System.nanoTime() - start;
        return Tensors.toDoubles(t);
    }

    /** Waits until every rank got here. */
    public void barrier() {
        if (dims.worldSize() > 1) {
            dist.world().barrier();
        }
    }

    /**
     * Overwrites {@code tensor} on every rank with that of the first rank of its data-parallel group (global rank 0
     * when tp = 1): replicas of the same tensor-parallel slice start identical.
     */
    public void broadcastFromRank0(Tensor tensor) {
        if (dims.dp() > 1) {
            long start = System.nanoTime();
            dist.dp().broadcast(tensor, 0);
            commNanos += System.nanoTime() - start;
        }
    }

    /** Seconds this process has spent in the collectives above since it was created; 0 for a single process. */
    public double commSeconds() {
        return commNanos / 1e9;
    }
}
