package org.llemma4j.checkpoint;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.ParamSpec;

/**
 * The optimizer state one rank holds for (part of) one parameter: elements {@code [flatStart, flatStart + n)} of
 * the parameter's TP block in row-major order, as three 1-D tensors of {@code n} elements.
 *
 * @param param     the parameter
 * @param flatStart first element of the block covered
 * @param master    fp32 master weights
 * @param expAvg    Adam's first moment
 * @param expAvgSq  Adam's second moment
 */
public record OptimizerPiece(ParamSpec param, long flatStart, Tensor master, Tensor expAvg, Tensor expAvgSq) {

    /** Elements covered. */
    public long length() {
        return master.numel();
    }

    /**
     * Cuts a rank's ZeRO shard into per-parameter pieces.
     *
     * @param order      the parameters in flat-buffer order
     * @param tp         tensor-parallel degree (fixes each parameter's block size)
     * @param shardStart first element of the TP-local flat buffer that the shard holds
     * @param master     the shard's master weights, 1-D; {@code expAvg} and {@code expAvgSq} alike, same length
     * @return pieces viewing the given buffers (no copies), in flat order
     */
    public static List<OptimizerPiece> cut(List<ParamSpec> order, int tp, long shardStart, Tensor master,
                                           Tensor expAvg, Tensor expAvgSq) throws CheckpointException {
        long shardEnd = shardStart + master.numel();
        if (expAvg.numel() != master.numel() || expAvgSq.numel() != master.numel()) {
            throw new CheckpointException("optimizer shard buffers differ in length: master " + master.numel()
                    + ", exp_avg " + expAvg.numel() + ", exp_avg_sq " + expAvgSq.numel());
        }
        List<OptimizerPiece> out = new ArrayList<>();
        long p = 0;
        for (ParamSpec param : order) {
            long n = ShardedTensor.blockNumel(param, tp);
            long a = Math.max(p, shardStart);
            long b = Math.min(p + n, shardEnd);
            if (a < b) {
                long at = a - shardStart;
                out.add(new OptimizerPiece(param, a - p, master.narrow(0, at, b - a), expAvg.narrow(0, at, b - a),
                        expAvgSq.narrow(0, at, b - a)));
            }
            p += n;
        }
        if (shardEnd > p) {
            throw new CheckpointException("optimizer shard [" + shardStart + ", " + shardEnd
                    + ") runs past the flat buffer of " + p + " elements");
        }
        return out;
    }
}
