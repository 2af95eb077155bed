package org.llemma4j.trainer.dist;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.ParallelDims;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.GroupTensorParallelPlan;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * Where this process sits in the run and the few collectives the training loop itself needs. A single process
 * has no {@link Distributed} (no store, no port), and every collective is the identity.
 *
 * <p>The wall time spent inside the collectives is accumulated ({@link #commSeconds()}): from this rank's side, so
 * it includes waiting for a slower peer to arrive, not only the transfer. The identity collectives of a single
 * process cost nothing and are not counted.
 */
public final class ParallelContext {

    private final Distributed dist;          // null for a single process
    private final ParallelDims dims;
    private final ComputeDevice device;
    private long commNanos;                  // only the training thread calls the collectives
    private final TensorParallelPlan tensorParallel;

    private ParallelContext(Distributed dist, ParallelDims dims, ComputeDevice device) {
        this.dist = dist;
        this.dims = dims;
        this.device = device;
        // Lives as long as this context: f's gradient hook must outlive every backward pass of the model.
        this.tensorParallel = dims.tp() > 1 ? new GroupTensorParallelPlan(dist.tp()) : TensorParallelPlan.SINGLE;
    }

    /** One process computing on the CPU. */
    public static ParallelContext single() {
        return single(ComputeDevice.cpu());
    }

    /** One process computing on {@code device}. */
    public static ParallelContext single(ComputeDevice device) {
        return new ParallelContext(null, ParallelDims.of(1, 1, 0), device);
    }

    /** This rank of {@code dist}, on the device its process groups were built for. */
    public static ParallelContext of(Distributed dist) {
        return new ParallelContext(dist, dist.dims(), dist.device());
    }

    /** Where this rank computes: every tensor it owns lives there, and its collectives take tensors from there. */
    public ComputeDevice device() {
        return device;
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

    /**
     * The collectives over this rank's data-parallel group, for the data-parallel optimizer, which owns their use;
     * only for dp > 1. Time blocked in them is reported through {@link #addCommNanos}.
     */
    public Collectives dataParallelGroup() {
        if (dims.dp() == 1) {
            throw new IllegalStateException("a single data-parallel rank has no data-parallel group");
        }
        return dist.dp();
    }

    /** Adds time spent blocked in a collective issued outside this class to {@link #commSeconds()}. */
    public void addCommNanos(long nanos) {
        commNanos += nanos;
    }

    /**
     * Sums {@code values} (a small contiguous tensor on this rank's device) element-wise over all ranks, in place,
     * in one collective that reads nothing back: the caller decides when to read the result.
     */
    public Tensor sumOverWorld(Tensor values) {
        if (dims.worldSize() > 1) {
            long start = System.nanoTime();
            dist.world().allReduce(values, ReduceKind.SUM);
            commNanos += System.nanoTime() - start;
        }
        return values;
    }

    /**
     * Element-wise sums of {@code values} over all ranks (every rank gets them), in one small collective; for the
     * places outside the training step (a checkpoint's id, validation, benchmarks).
     */
    public double[] sumOverWorld(double... values) {
        if (dims.worldSize() == 1) {
            return values.clone();
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor host = Tensors.doubleTensor(values);
            Tensor onDevice = host.to(device.options(ScalarType.Double), false, false, new MemoryFormatOptional());
            return Tensors.toDoubles(sumOverWorld(onDevice));
        }
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
