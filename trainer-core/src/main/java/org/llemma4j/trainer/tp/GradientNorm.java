package org.llemma4j.trainer.tp;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.nn.TensorParallelPlan;
import org.llemma4j.trainer.nn.Tensors;

/**
 * The global L2 norm of a gradient laid out like {@link ParameterSet#flat()}, under tensor parallelism: the
 * TP-split parameters' squares are summed over the tensor-parallel group (each rank holds a different slice), the
 * TP-replicated ones (norm gains, identical on every rank) are counted once.
 *
 * <p>Both parts travel in one fp64 all-reduce: each rank contributes its split squares plus its replicated squares
 * divided by tp. The result is bit-identical on every rank (the all-reduce returns one value to all), so every
 * rank clips by the same coefficient. At TP=1 it is the plain norm of the buffer (summed per parameter in fp64).
 *
 * <p>For a buffer sharded over data-parallel ranks (ZeRO-1), {@link #localSquares} gives a shard's weighted
 * contribution, to be summed over the DP and TP groups.
 */
public final class GradientNorm {

    private final TensorParallelPlan tp;
    private final long[] offsets;     // start of each parameter in the flat buffer
    private final long[] lengths;
    private final boolean[] replicated;

    public GradientNorm(ParameterSet params, TensorParallelPlan tp) {
        this.tp = tp;
        List<Param> list = params.params();
        offsets = new long[list.size()];
        lengths = new long[list.size()];
        replicated = new boolean[list.size()];
        long offset = 0;
        for (int i = 0; i < list.size(); i++) {
            Param p = list.get(i);
            offsets[i] = offset;
            lengths[i] = p.localNumel();
            replicated[i] = p.shardDim() == ShardDim.REPLICATED;
            offset += p.localNumel();
        }
    }

    /** The global norm of {@code grad} (the whole flat buffer of this rank), identical on every TP rank. */
    public double global(Tensor grad) {
        double local = localSquares(grad, 0);
        if (tp.size() == 1) {
            return Math.sqrt(local);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor sum = torch.full(new long[] {1}, Tensors.scalar(local), new TensorOptions(ScalarType.Double));
            tp.allReduce(sum, ReduceKind.SUM);
            return Math.sqrt(Tensors.item(sum));
        }
    }

    /**
     * Sum of squares of {@code range}, the part of the flat buffer starting at element {@code start}, with
     * replicated parameters weighted by 1 / tp (so that summing over the TP group counts them once).
     */
    public double localSquares(Tensor range, long start) {
        long end = start + range.numel();
        double split = 0;
        double repl = 0;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor flat = range.view(-1);
            for (int i = 0; i < offsets.length; i++) {
                long from = Math.max(start, offsets[i]);
                long to = Math.min(end, offsets[i] + lengths[i]);
                if (from >= to) {
                    continue;
                }
                Tensor part = flat.narrow(0, from - start, to - from);
                double norm = Tensors.item(part.norm());
                if (replicated[i]) {
                    repl += norm * norm;
                } else {
                    split += norm * norm;
                }
            }
        }
        return split + repl / tp.size();
    }
}
