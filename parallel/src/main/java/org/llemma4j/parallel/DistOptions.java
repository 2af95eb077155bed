package org.llemma4j.parallel;

import java.time.Duration;

/**
 * The configuration of the distributed setup, as the trainer's config gives it.
 *
 * @param tp tensor-parallel degree (dp is derived: world / tp)
 * @param device CPU or CUDA ({@code cuda:LOCAL_RANK})
 * @param backend the collective backend; {@code null} means the device's default (Gloo on CPU, NCCL on CUDA)
 * @param rendezvousTimeout bound on reaching the master and on waiting for every rank to check in
 * @param collectiveTimeout bound on building each group and on each collective
 */
public record DistOptions(int tp, DeviceKind device, CommBackend backend, Duration rendezvousTimeout,
                          Duration collectiveTimeout) {

    public DistOptions {
        if (tp < 1) {
            throw new IllegalArgumentException("tp " + tp + " must be >= 1");
        }
        if (device == null) {
            throw new IllegalArgumentException("device must be given (cpu or cuda)");
        }
        if (backend == null) {
            backend = device.defaultBackend();
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
        return new DistOptions(tp, DeviceKind.CPU, CommBackend.GLOO, Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    /** The same options with other timeouts. */
    public DistOptions withTimeouts(Duration rendezvous, Duration collective) {
        return new DistOptions(tp, device, backend, rendezvous, collective);
    }
}
