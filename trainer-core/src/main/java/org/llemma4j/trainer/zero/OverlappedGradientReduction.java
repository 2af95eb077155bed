package org.llemma4j.trainer.zero;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.llemma4j.parallel.PendingCollective;
import org.llemma4j.trainer.nn.Param;

/**
 * {@code zero_optimization.overlap_comm}: the data-parallel gradient reduction runs during the backward pass of a
 * step's last micro-batch instead of after it. The fp32 gradient buffer is cut into {@link GradientBucket}s; a
 * gradient hook on every parameter adds its gradient into the buffer as soon as autograd produces it, and once
 * every parameter of a bucket has arrived, the bucket's reduction starts asynchronously (ZeRO stage 1: a sum into
 * the rank that owns the range; stage 0: an average on every rank) while the backward pass goes on with earlier
 * layers. After the backward pass the optimizer waits for what is still in flight: only that wait is exposed
 * communication time.
 *
 * <p>Buckets are launched strictly in {@link GradientBucket#plan}'s order, a ready bucket waiting for the ones
 * before it: every rank must issue its collectives in the same order, whatever order its hooks fire in.
 *
 * <p>A parameter whose gradient arrives in several backward passes of one micro-batch (the tied embedding under
 * activation recomputation: once from the loss, once from the first layer) is "deferred": its buckets are reduced
 * after the backward pass. A non-deferred parameter that receives a second gradient in the last micro-batch would
 * be a wrong result, and stops the step with an error naming it.
 */
final class OverlappedGradientReduction implements AutoCloseable {

    private final List<Param> params;
    private final GradientBuffer grad;
    private final DataParallelComm comm;
    private final List<GradientBucket> buckets;       // in launch order
    private final int[][] bucketsOfParam;             // parameter index -> bucket positions it overlaps
    private final int[] paramsPerBucket;              // parameters whose gradients each bucket waits for
    private final boolean[] deferred;
    private final List<Hook> hooks = new ArrayList<>();
    private final Tensor unchanged = new Tensor();    // undefined: what a hook returns to keep the gradient as is

    // State of the current micro-batch.
    private boolean lastMicroBatch;
    private final int[] waiting;
    private final boolean[] arrived;
    private final PendingCollective[] inFlight;
    private int nextLaunch;
    private String violation;

    /**
     * @param buckets        the buffer's buckets in launch order ({@link GradientBucket#plan})
     * @param deferredParams parameters whose gradient arrives in more than one backward pass per micro-batch
     */
    OverlappedGradientReduction(GradientBuffer grad, DataParallelComm comm, List<GradientBucket> buckets,
                                Set<String> deferredParams) {
        this.params = grad.params();
        this.grad = grad;
        this.comm = comm;
        this.buckets = buckets;
        this.bucketsOfParam = new int[params.size()][];
        this.paramsPerBucket = new int[buckets.size()];
        this.deferred = new boolean[params.size()];
        long offset = 0;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            long end = offset + p.localNumel();
            deferred[i] = deferredParams.contains(p.name());
            List<Integer> overlapping = new ArrayList<>();
            for (int b = 0; b < buckets.size(); b++) {
                if (buckets.get(b).offset() < end && buckets.get(b).end() > offset) {
                    overlapping.add(b);
                    paramsPerBucket[b]++;         // a deferred parameter's count is only cleared after backward
                }
            }
            bucketsOfParam[i] = overlapping.stream().mapToInt(Integer::intValue).toArray();
            offset = end;
        }
        this.waiting = new int[buckets.size()];
        this.arrived = new boolean[params.size()];
        this.inFlight = new PendingCollective[buckets.size()];
        unchanged.retainReference();                  // owned by this object, whatever scope built it
        for (int i = 0; i < params.size(); i++) {
            Hook hook = new Hook(i);
            hooks.add(hook);
            params.get(i).value().register_hook(hook);
        }
    }

    /** How many buckets the buffer is reduced in (for the start-up log). */
    int bucketCount() {
        return buckets.size();
    }

    /** The start-up log's words for a reduction in {@code bucketCount} overlapped buckets; empty without overlap. */
    static String describe(int bucketCount) {
        return bucketCount == 0 ? "" : "; overlap_comm: the gradients are reduced in " + bucketCount
                + " buckets during the backward pass of each step's last micro-batch";
    }

    /** Before each micro-batch's backward pass; reductions start only during the last one. */
    void beginMicroBatch(boolean last) {
        lastMicroBatch = last;
        if (last) {
            System.arraycopy(paramsPerBucket, 0, waiting, 0, waiting.length);
            Arrays.fill(arrived, false);
            nextLaunch = 0;
            violation = null;
            launchReady();                    // a bucket of padding only waits for nothing
        }
    }

    /**
     * After each micro-batch's backward pass: drops autograd's own copies of the gradients (they are in the fp32
     * buffer); after the last, launches the remaining buckets and waits for all of them, leaving every bucket
     * reduced (stage 1: summed into its owner; stage 0: averaged on every rank).
     */
    void endMicroBatch() {
        grad.releaseParameterGradients();
        if (!lastMicroBatch) {
            return;
        }
        Arrays.fill(waiting, 0);
        launchReady();
        List<PendingCollective> pending = new ArrayList<>(Arrays.asList(inFlight));
        Arrays.fill(inFlight, null);
        comm.awaitAll(pending);
        if (violation != null) {
            throw new IllegalStateException(violation);
        }
    }

    private void arrive(int index, Tensor gradient) {
        grad.add(index, gradient);
        if (!lastMicroBatch || deferred[index]) {
            return;
        }
        if (arrived[index]) {
            violation = "parameter " + params.get(index).name() + " received a second gradient in one backward "
                    + "pass after its gradient buckets were reduced; it must be deferred";
            return;
        }
        arrived[index] = true;
        for (int b : bucketsOfParam[index]) {
            waiting[b]--;
        }
        launchReady();
    }

    private void launchReady() {
        while (nextLaunch < buckets.size() && waiting[nextLaunch] == 0) {
            GradientBucket bucket = buckets.get(nextLaunch);
            Tensor range = grad.range(bucket.offset(), bucket.length());
            inFlight[nextLaunch] = bucket.owner() >= 0 ? comm.sumIntoAsync(range, bucket.owner())
                    : comm.averageAsync(range);
            nextLaunch++;
        }
    }

    @Override
    public void close() {
        hooks.forEach(Hook::close);
        unchanged.releaseReference();
    }

    /** Autograd calls this with a parameter's gradient before storing it; returning undefined keeps it unchanged. */
    private final class Hook extends TensorTensorHook {
        private final int index;

        Hook(int index) {
            this.index = index;
        }

        @Override
        public TensorBase call(TensorBase grad) {
            // On a GPU this runs on an autograd device thread, where no Java scope is open: one of its own frees
            // the temporaries (views, options, the collective's handles) when the call returns.
            try (PointerScope scope = new PointerScope()) {
                scope.attach(grad);                 // the argument's Java copy, made before this call: freed too
                arrive(index, new Tensor(grad));
            }
            return unchanged;
        }
    }
}
