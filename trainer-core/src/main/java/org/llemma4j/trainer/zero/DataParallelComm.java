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
 * The time the training thread spends in them, on the device's clock, counts as the run's communication time
 * ({@link ParallelContext#timeCommunication}); the bucket launches from autograd's threads are not timed, their
 * wait on the training thread is ({@link #awaitAll}).
 *
 * <p>ZeRO-1's collectives run in place whenever one piece covers a rank's whole shard (always on NCCL): the
 * reduce-scatter's output is this rank's slot of the gradient buffer and the all-gather's input is this rank's slot
 * of the parameter buffer, the layout in which NCCL reads and writes one buffer, so neither needs a temporary of the
 * buffer's size.
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
        parallel.timeCommunication(() -> dp.allReduce(tensor, ReduceKind.AVG));
    }

    /**
     * Reduce-scatter with average: {@code output} (this rank's 1/dp of {@code input}) receives the mean of all
     * ranks' corresponding parts. {@code output} may be this rank's slot of {@code input}, elements
     * {@code [rank * n, (rank + 1) * n)}, as ZeRO-1's gradient shard is: NCCL then reduces in place. Larger Gloo
     * buffers move in pieces ({@link #pieceElements}).
     */
    void reduceScatterAverage(Tensor input, Tensor output) {
        long n = output.numel();
        long piece = pieceElements(input);
        parallel.timeCommunication(() -> {
            if (piece >= n) {
                dp.reduceScatter(input, output, ReduceKind.AVG);
                return;
            }
            for (long from = 0; from < n; from += piece) {
                long length = Math.min(piece, n - from);
                try (PointerScope scope = new PointerScope()) {
                    // Column block [from, from + length) of every rank's part: (dp, length), made contiguous so
                    // that rank r's part of this piece is its r-th row.
                    Tensor block = input.view(size, n).narrow(1, from, length).contiguous().view(-1);
                    dp.reduceScatter(block, output.narrow(0, from, length), ReduceKind.AVG);
                }
            }
        });
    }

    /**
     * All-gather of a flat buffer whose rank-r part is rank r's shard: afterwards every rank holds every shard.
     * In place when one piece covers the shard (always on NCCL): the collective reads this rank's slot and writes
     * the others, no second copy of the buffer. Larger Gloo buffers move in pieces ({@link #pieceElements}), each
     * gathered into a temporary of dp pieces and copied into place.
     */
    void allGather(Tensor flat) {
        long n = flat.numel() / size;
        long piece = pieceElements(flat);
        parallel.timeCommunication(() -> {
            if (piece >= n) {
                try (PointerScope scope = new PointerScope()) {
                    dp.allGather(flat.narrow(0, rank * n, n), flat);
                }
                return;
            }
            for (long from = 0; from < n; from += piece) {
                long length = Math.min(piece, n - from);
                try (PointerScope scope = new PointerScope()) {
                    Tensor mine = flat.narrow(0, rank * n + from, length);
                    Tensor gathered = dp.allGather(mine);                              // (dp x length), rank-major
                    flat.view(size, n).narrow(1, from, length).copy_(gathered.view(size, length));
                }
            }
        });
    }

    /**
     * Starts a sum of {@code tensor} into data-parallel rank {@code owner}; the other ranks' {@code tensor} is
     * scratch afterwards. Called from autograd's threads on CUDA: not timed, the wait is ({@link #awaitAll}).
     */
    PendingCollective sumIntoAsync(Tensor tensor, int owner) {
        return dp.reduceAsync(tensor, ReduceKind.SUM, owner);
    }

    /** Starts an in-place average of {@code tensor}; like {@link #sumIntoAsync}, not timed. */
    PendingCollective averageAsync(Tensor tensor) {
        return dp.allReduceAsync(tensor, ReduceKind.AVG);
    }

    /**
     * Waits for the collectives, in order, and frees them; on the training thread. On CUDA each wait makes the
     * current (compute) stream wait for the collective, so whatever is queued afterwards reads the reduced buckets;
     * the time the stream waits is the exposed communication time.
     */
    void awaitAll(List<PendingCollective> pending) {
        parallel.timeCommunication(() -> {
            for (PendingCollective p : pending) {
                if (p != null) {
                    p.close();
                }
            }
        });
    }

    /**
     * Elements per rank per call of ZeRO-1's reduce-scatter and all-gather. On Gloo, 4 MB: its all-gather and the
     * reduce-scatter (via all-reduce of a copy) slowed down 20-fold above 16 MB here, and a piece also bounds the
     * temporary copy to dp x 4 MB instead of the whole buffer (docs/benchmarks.md, "ZeRO-1"). NCCL runs fastest on
     * whole buffers, in place.
     */
    private long pieceElements(Tensor buffer) {
        long whole = buffer.numel() / size;
        if (dp.group().kind() != CommBackend.GLOO) {
            return whole;
        }
        return Math.max(1, Math.min(whole, GLOO_PIECE_BYTES / buffer.element_size()));
    }
}
