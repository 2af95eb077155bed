package org.llemma4j.trainer.tp;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * The global L2 norm of a gradient laid out like the model's flat parameter buffer (this rank's block of each
 * parameter, one after the other, then padding that counts for nothing), under tensor parallelism: the
 * TP-split parameters' squares are summed over the tensor-parallel group (each rank holds a different slice), the
 * TP-replicated ones (norm gains, identical on every rank) are counted once.
 *
 * <p>Each rank contributes its split squares plus its replicated squares divided by tp; summed over the TP group
 * that is the global squared norm. The contribution is computed on the gradient's device, per run of consecutive
 * parameters of one kind (two runs for a Llama: matrices, then norm gains), without reading anything back to the
 * host. The squares are summed in fp64: libtorch's fp32 norm on CPU is off by 1e-5 relative at 1M elements and 7e-4
 * at 16M, enough to move the clipping coefficient and, over steps, the weights.
 *
 * <p>For a buffer sharded over data-parallel ranks (ZeRO-1), {@link #localSquares} gives a shard's weighted
 * contribution, to be summed over the DP and TP groups.
 */
public final class GradientNorm {

    /** Consecutive elements of the flat buffer whose squares count with one weight. */
    private record Run(long offset, long length, double weight) {
    }

    /** Elements converted to fp64 at a time: bounds the temporary copy to 64 MB. */
    private static final long CHUNK = 8L << 20;

    private final TensorParallelPlan tp;
    private final List<Run> runs = new ArrayList<>();

    /**
     * @param bufferOrder the parameters in the order the flat buffer holds them (each rank's block of a split one,
     *                    the whole of a replicated one)
     * @param tp          the tensor-parallel group the split parameters are divided over
     */
    public GradientNorm(List<ParamSpec> bufferOrder, TensorParallelPlan tp) {
        this.tp = tp;
        long offset = 0;
        for (ParamSpec p : bufferOrder) {
            double weight = p.shardDim() == ShardDim.REPLICATED ? 1.0 / tp.size() : 1.0;
            long localNumel = p.localNumel(tp.size());
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last.weight() == weight && last.offset() + last.length() == offset) {
                runs.set(runs.size() - 1, new Run(last.offset(), last.length() + localNumel, weight));
            } else {
                runs.add(new Run(offset, localNumel, weight));
            }
            offset += localNumel;
        }
    }

    /**
     * The global norm of {@code grad} (the whole flat buffer of this rank), identical on every TP rank: the squares
     * all-reduced over the TP group and read back once.
     */
    public double global(Tensor grad) {
        try (PointerScope scope = new PointerScope()) {
            Tensor squares = localSquares(grad, 0).view(1);
            tp.allReduce(squares, ReduceKind.SUM);
            return Math.sqrt(Tensors.item(squares));
        }
    }

    /**
     * Sum of squares of {@code range}, the part of the flat buffer starting at element {@code start}, with
     * replicated parameters weighted by 1 / tp (so that summing over the TP group counts them once): a 0-dim fp64
     * tensor on {@code range}'s device, created in the caller's scope.
     */
    public Tensor localSquares(Tensor range, long start) {
        long end = start + range.numel();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor flat = range.view(-1);
            Tensor total = flat.new_zeros(new long[] {}, Tensors.optionsLike(flat, ScalarType.Double));
            for (Run run : runs) {
                long from = Math.max(start, run.offset());
                long to = Math.min(end, run.offset() + run.length());
                for (long at = from; at < to; at += CHUNK) {
                    Tensor chunk = flat.narrow(0, at - start, Math.min(CHUNK, to - at));
                    Tensor norm = torch.linalg_vector_norm(chunk, Tensors.scalar(2), new LongArrayRefOptional(), false,
                            new ScalarTypeOptional(ScalarType.Double));
                    total.add_(norm.square(), Tensors.scalar(run.weight()));
                }
            }
            return total;
        }
    }
}
