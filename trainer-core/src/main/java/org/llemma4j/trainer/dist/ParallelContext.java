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
import org.llemma4j.parallel.device.DeviceTimer;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.GroupTensorParallelPlan;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * Where this process sits in the run and the few collectives the training loop itself needs. A single process
 * has no {@link Distributed} (no store, no port), and every collective is the identity.
 *
 * <p>The time the training thread spends in the collectives (these and the data-parallel optimizer's, through
 * {@link #timeCommunication}) is measured on the device's clock ({@link DeviceTimer}) and read at log points
 * ({@link #meanCommSeconds()}): on CUDA it is the time the compute stream waits for the collectives, from this
 * rank's side, so it includes waiting for a slower peer to arrive, not only the transfer; on the CPU it is the host's
 * time in them. The identity collectives of a single process cost nothing and are not counted.
 *
 * <p>Owns the tensor-parallel plan (f's gradient hook) and the communication timer (CUDA events): close it after the
 * last backward pass and before the process groups.
 */
public final class ParallelContext implements AutoCloseable {

    private final Distributed dist;          // null for a single process
    private final ParallelDims dims;
    private final ComputeDevice device;
    private final DeviceTimer commTimer;     // null for a single process; only the training thread uses it
    private final TensorParallelPlan tensorParallel;

    private ParallelContext(Distributed dist, ParallelDims dims, ComputeDevice device) {
        this.dist = dist;
        this.dims = dims;
        this.device = device;
        this.commTimer = dist == null ? null : device.timer();
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
     * only for dp > 1. Their time is measured through {@link #timeCommunication}.
     */
    public Collectives dataParallelGroup() {
        if (dims.dp() == 1) {
            throw new IllegalStateException("a single data-parallel rank has no data-parallel group");
        }
        return dist.dp();
    }

    /**
     * Runs {@code collective}, the enqueue and the wait of one or more collectives issued outside this class, and
     * counts its time as communication time. On CUDA the interval lies between two events recorded on the current
     * stream, so it is the time the compute stream waits for the collectives (a collective's wait orders the
     * stream behind it; the host does not wait), not the host's time to enqueue them. Call it from the training
     * thread only: the timer is single-threaded, and what autograd's threads launch during the backward pass is
     * exposed only where the training thread waits for it.
     */
    public void timeCommunication(Runnable collective) {
        if (commTimer == null) {
            collective.run();
            return;
        }
        commTimer.start();
        try {
            collective.run();
        } finally {
            commTimer.stop();
        }
    }

    /**
     * Sums {@code values} (a small contiguous tensor on this rank's device) element-wise over all ranks, in place,
     * in one collective that reads nothing back: the caller decides when to read the result.
     */
    public Tensor sumOverWorld(Tensor values) {
        if (dims.worldSize() > 1) {
            timeCommunication(() -> dist.world().allReduce(values, ReduceKind.SUM));
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
            timeCommunication(() -> dist.dp().broadcast(tensor, 0));
        }
    }

    /**
     * The seconds each rank spent in the timed collectives since the last call (or {@link #restartCommTime()}),
     * averaged over the world; 0 for a single process. Every rank calls it at the same point: it is itself one small
     * all-reduce (counted towards the next call), and on CUDA reading the timer waits until the device has passed
     * the last timed collective, so call it at log points only.
     */
    public double meanCommSeconds() {
        if (commTimer == null) {
            return 0;
        }
        double mine = commTimer.seconds();
        commTimer.reset();
        return sumOverWorld(mine)[0] / dims.worldSize();
    }

    /** Forgets the communication time so far (the start-up's broadcast of the weights is not a training step's). */
    public void restartCommTime() {
        if (commTimer != null) {
            commTimer.reset();
        }
    }

    /** Frees the communication timer's events and the tensor-parallel plan's hook; the process groups stay open. */
    @Override
    public void close() {
        if (commTimer != null) {
            commTimer.close();
        }
        if (tensorParallel instanceof GroupTensorParallelPlan plan) {
            plan.close();
        }
    }
}
