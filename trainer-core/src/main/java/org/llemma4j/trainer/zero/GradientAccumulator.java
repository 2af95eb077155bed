package org.llemma4j.trainer.zero;

import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.trainer.nn.ParameterSet;

/**
 * How the gradients of a step's micro-batches reach the fp32 {@link GradientBuffer}: after each backward pass from
 * the parameters' own gradients, or, with overlap_comm, through gradient hooks that also start the data-parallel
 * reduction of each bucket while the last micro-batch's backward pass goes on ({@link OverlappedGradientReduction}).
 */
final class GradientAccumulator implements AutoCloseable {

    private final GradientBuffer buffer;
    private final OverlappedGradientReduction overlap;     // null: the reduction follows the backward pass

    /**
     * @param buckets the buckets to reduce during the backward pass, or {@code null} for no overlap
     */
    GradientAccumulator(ParameterSet params, DataParallelComm comm, List<GradientBucket> buckets,
                        Set<String> deferredParams) {
        this.buffer = new GradientBuffer(params);
        this.overlap = buckets == null ? null
                : new OverlappedGradientReduction(buffer, comm, buckets, deferredParams);
    }

    void beginMicroBatch(boolean last) {
        if (overlap != null) {
            overlap.beginMicroBatch(last);
        }
    }

    void endMicroBatch() {
        if (overlap != null) {
            overlap.endMicroBatch();
        } else {
            buffer.addParameterGradients();
        }
    }

    /** Whether the last micro-batch's backward pass has already reduced the buffer over the data-parallel group. */
    boolean overlapped() {
        return overlap != null;
    }

    /** Buckets reduced during the backward pass; 0 without overlap. */
    int bucketCount() {
        return overlap == null ? 0 : overlap.bucketCount();
    }

    /** The whole fp32 buffer, (padded,). */
    Tensor all() {
        return buffer.all();
    }

    void clear() {
        buffer.clear();
    }

    @Override
    public void close() {
        if (overlap != null) {
            overlap.close();
        }
        buffer.close();
    }
}
