package org.llemma4j.trainer.zero;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.CommBackend;
import org.llemma4j.parallel.PendingCollective;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.trainer.dist.ParallelContext;

/**
 * The data-parallel collectives of the optimizers, over a group of {@code dp > 1} ranks: the whole-buffer average
 * (stage 0), the reduce-scatter and all-gather of ZeRO-1, and the asynchronous bucket reductions of overlap_comm.
 * Time blocked in them counts as the run's communication time ({@link ParallelContext#commSeconds()}).
 */
final class DataParallelComm {

    /** See {@link #pieceElements}. */
    private static final long GLOO_PIECE_BYTES = 4L << 20;

    private final ParallelContext parallel;
    private final Collectives dp;
    private final int size;
    private final int rank;

    DataParallelComm(ParallelContext parallel) {
        this.parallel = parallel;
        this.dp = parallel.dataParallelGroup();
        this.size = parallel.dims().dp();
        this.rank = parallel.dims().dpRank();
    }

    int size() {
        return size;
    }

    /** Averages {@code tensor} in place over the group. */
    void average(Tensor tensor) {
        long start = System.nanoTime();
        dp.allReduce(tensor, ReduceKind.AVG);
        parallel.addCommNanos(System.nanoTime() - start);
    }

    /**
     * Reduce-scatter with average: {@code output} (this rank's 1/dp of {@code input}, possibly a view into it)
     * receives the mean of all ranks' corresponding parts. Moved in pieces ({@link #pieceElements}).
     */
    void reduceScatterAverage(Tensor input, Tensor output) {
        long start = System.nanoTime();
        long n = output.numel();
        long piece = pieceElements(input);
        for (long from = 0; from < n; from += piece) {
            long length = Math.min(piece, n - from);
            try (PointerScope scope = new PointerScope()) {
                // Column block [from, from + length) of every rank's part: (dp, length), made contiguous so that
                // rank r's part of this piece is its r-th row.
                Tensor block = input.view(size, n).narrow(1, from, length).contiguous().view(-1);
                dp.reduceScatter(block, output.narrow(0, from, length), ReduceKind.AVG);
            }
        }
        parallel.addCommNanos(System.nanoTime() - start);
    }

    /**
     * All-gather of a flat buffer whose rank-r part is rank r's shard: afterwards every rank holds every shard. Moved
     * in pieces ({@link #pieceElements}).
     */
    void allGather(Tensor flat) {
        long start = System.nanoTime();
        long n = flat.numel() / size;
        long piece = pieceElements(flat);
        for (long from = 0; from < n; from += piece) {
            long length = Math.min(piece, n - from);
            try (PointerScope scope = new PointerScope()) {
                Tensor mine = flat.narrow(0, rank * n + from, length);
                Tensor gathered = dp.allGather(mine);                              // (dp x length), rank-major
                flat.view(size, n).narrow(1, from, length).copy_(gathered.view(size, length));
            }
        }
        parallel.addCommNanos(System.nanoTime() - start);
    }

    /**
     * Starts a sum of {@code tensor} into data-parallel rank {@code owner}; the other ranks' {@code tensor} is
     * scratch afterwards. Launching takes no time worth counting; the wait does ({@link #awaitAll}).
     */
    PendingCollective sumIntoAsync(Tensor tensor, int owner) {
        return dp.reduceAsync(tensor, ReduceKind.SUM, owner);
    }

    /** Starts an in-place average of {@code tensor}. */
    PendingCollective averageAsync(Tensor tensor) {
        return dp.allReduceAsync(tensor, ReduceKind.AVG);
    }

    /** Waits for the collectives, in order, and frees them; the time blocked counts as communication time. */
    void awaitAll(List<PendingCollective> pending) {
        long start = System.nanoTime();
        for (PendingCollective p : pending) {
            if (p != null) {
                p.close();
            }
        }
        parallel.addCommNanos(System.nanoTime() - start);
    }

    /**
     * Elements per rank per call of ZeRO-1's reduce-scatter and all-gather. On Gloo, 4 MB: its all-gather and the
     * reduce-scatter (via all-reduce of a copy) slowed down 20-fold above 16 MB here, and a piece also bounds the
     * temporary copy to dp x 4 MB instead of the whole buffer (docs/benchmarks.md, "ZeRO-1"). NCCL runs fastest on
     * whole buffers.
     */
    private long pieceElements(Tensor buffer) {
        long whole = buffer.numel() / size;
        if (dp.group().kind() != CommBackend.GLOO) {
            return whole;
        }
        return Math.max(1, Math.min(whole, GLOO_PIECE_BYTES / buffer.element_size()));
    }
}
