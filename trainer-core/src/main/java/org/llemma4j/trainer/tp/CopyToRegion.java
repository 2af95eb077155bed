package org.llemma4j.trainer.tp;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 *
 * <p>On a GPU, autograd runs hooks on its own device threads, where no Java {@link PointerScope} is open. The hook
 * opens one for its temporaries, and keeps the sum it returns alive until libtorch has taken its copy: those are
 * released at the next {@link #forward} (the backward pass is over by then) or at {@link #close()}, never left to
 * the garbage collector.
 */
public final class CopyToRegion implements AutoCloseable {

    private final Collectives group;
    private final Hook hook = new Hook();
    private final Queue<Tensor> returned = new ConcurrentLinkedQueue<>();   // sums handed to autograd
    private long backwardCalls;
    private long collectiveNanos;

    public CopyToRegion(Collectives group) {
        this.group = group;
    }

    /** Forward: x -> x (a view of it whose gradient is all-reduced on the way back). */
    public Tensor forward(Tensor x) {
        releaseReturned();
        Tensor y = x.view_as(x);
        if (y.requires_grad()) {
            y.register_hook(hook);
        }
        return y;
    }

    /** Backward: dL/dy -> sum over the group of dL/dy, as a new tensor in the caller's {@link PointerScope}. */
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
        releaseReturned();
        hook.close();
    }

    /** The native callback; TensorTensorHook's constructor allocates the native thunk. */
    private final class Hook extends TensorTensorHook {
        @Override
        public TensorBase call(TensorBase grad) {
            Tensor sum;
            try (PointerScope scope = new PointerScope()) {
                scope.attach(grad);                 // the argument's Java copy, made before this call: freed too
                sum = backward(new Tensor(grad));
                sum.retainReference();              // outlives the scope until libtorch has copied it
            }
            returned.add(sum);
            return sum;
        }
    }

    /** Frees the sums handed to autograd by earlier backward passes (which have ended: they were copied). */
    private void releaseReturned() {
        for (Tensor t = returned.poll(); t != null; t = returned.poll()) {
            t.releaseReference();
        }
    }
}
