package org.llemma4j.parallel;

import java.time.Duration;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;

/**
 * The configuration of the distributed setup, as the trainer's config gives it.
 *
 * @param tp tensor-parallel degree (dp is derived: world / tp)
 * @param device this rank's device, already selected ({@link ComputeDevice#select}): the CPU or
 *               {@code cuda:LOCAL_RANK}
 * @param backend the collective backend; {@code null} means the device's default (Gloo on CPU, NCCL on CUDA)
 * @param rendezvousTimeout bound on reaching the master and on waiting for every rank to check in
 * @param collectiveTimeout bound on building each group and on each collective
 */
public record DistOptions(int tp, ComputeDevice device, CommBackend backend, Duration rendezvousTimeout,
                          Duration collectiveTimeout) {

    private static final Duration RENDEZVOUS_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration COLLECTIVE_TIMEOUT = Duration.ofMinutes(10);

    public DistOptions {
        if (tp < 1) {
            throw new IllegalArgumentException("tp " + tp + " must be >= 1");
        }
        if (device == null) {
            throw new IllegalArgumentException("device must be given (cpu or cuda)");
        }
        if (device.kind() == DeviceKind.META) {
            throw new IllegalArgumentException("the meta device holds no data to communicate: distribute over cpu"
                    + " or cuda");
        }
        if (backend == null) {
            backend = CommBackend.defaultFor(device.kind());
        }
        if (backend == CommBackend.NCCL && device.kind() != DeviceKind.CUDA) {
            throw new IllegalArgumentException("backend nccl needs CUDA tensors, but this rank computes on "
                    + device.name() + ": use gloo, or device cuda");
        }
        if (rendezvousTimeout == null || rendezvousTimeout.isNegative() || rendezvousTimeout.isZero()) {
            throw new IllegalArgumentException("rendezvous timeout " + rendezvousTimeout + " must be positive");
        }
        if (collectiveTimeout == null || collectiveTimeout.isNegative() || collectiveTimeout.isZero()) {
            throw new IllegalArgumentException("collective timeout " + collectiveTimeout + " must be positive");
        }
    }

    /** CPU, Gloo, 5 minutes for the rendezvous and 10 for collectives (first steps of a big model are slow). */
    public static DistOptions cpu(int tp) {
        return on(ComputeDevice.cpu(), tp);
    }

    /** {@code device} with its default backend and the timeouts of {@link #cpu}. */
    public static DistOptions on(ComputeDevice device, int tp) {
        return new DistOptions(tp, device, null, RENDEZVOUS_TIMEOUT, COLLECTIVE_TIMEOUT);
    }

    /** The same options with other timeouts. */
    public DistOptions withTimeouts(Duration rendezvous, Duration collective) {
        return new DistOptions(tp, device, backend, rendezvous, collective);
    }
}
