package org.llemma4j.trainer.tp;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.ReduceKind;

/**
 * Megatron's f, entering a column-parallel region: identity forward, all-reduce (sum) of the gradient over the
 * tensor-parallel group backward.
 *
 * <p>Why the backward sum: every rank feeds the same input into its own slice of the column-parallel layers, so
 * each rank's gradient with respect to that input is only its slice's share; the input's true gradient is the
 * sum of the shares.
 *
 * <p>The forward returns a fresh view of the input (its own autograd node), and the backward is a gradient hook on
 * that view, so only the gradient flowing through the region is summed, not the gradient of other uses of the
 * input (the residual stream). One hook object serves every call: libtorch keeps a pointer to it in each graph, so
 * it must outlive every backward pass that uses it (this object holds it until {@link #close()}).
 */
public final class CopyToRegion implements AutoCloseable {

    private final Collectives group;
    private final Hook hook = new Hook();
    private long backwardCalls;
    private long collectiveNanos;

    public CopyToRegion(Collectives group) {
        this.group = group;
    }

    /** Forward: x -> x (a view of it whose gradient is all-reduced on the way back). */
    public Tensor forward(Tensor x) {
        Tensor y = x.view_as(x);
        if (y.requires_grad()) {
            y.register_hook(hook);
        }
        return y;
    }

    /**
     * Backward: dL/dy -> sum over the group of dL/dy, as a new tensor. The result is created in the caller's
     * {@link PointerScope} (the one around the backward pass), which is open until libtorch has copied it; only
     * the temporaries are freed here.
     */
    public Tensor backward(Tensor grad) {
        Tensor sum = grad.contiguous().clone();
        long start = System.nanoTime();
        group.allReduce(sum, ReduceKind.SUM);
        collectiveNanos += System.nanoTime() - start;
        backwardCalls++;
        return sum;
    }

    /** Gradients all-reduced so far (the tests count them). */
    public long backwardCalls() {
        return backwardCalls;
    }

    /** Wall time spent in this operator's all-reduces so far. */
    public long collectiveNanos() {
        return collectiveNanos;
    }

    /** Releases the native hook; only after the last backward pass through a graph built with {@link #forward}. */
    @Override
    public void close() {
        hook.close();
    }

    /** The native callback; TensorTensorHook's constructor allocates the native thunk. */
    private final class Hook extends TensorTensorHook {
        @Override
        public TensorBase call(TensorBase grad) {
            return backward(new Tensor(grad));
        }
    }
}
