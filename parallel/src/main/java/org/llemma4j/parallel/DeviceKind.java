package org.llemma4j.parallel;

import org.bytedeco.pytorch.Device;

/** Where a rank computes: the CPU, or the GPU of its local rank. Chosen by configuration, not by probing. */
public enum DeviceKind {
    CPU,
    CUDA;

    /** The collective backend that suits this device: Gloo for CPU tensors, NCCL for CUDA tensors. */
    public CommBackend defaultBackend() {
        return this == CUDA ? CommBackend.NCCL : CommBackend.GLOO;
    }

    /**
     * The libtorch device of the rank with this local rank: {@code cuda:LOCAL_RANK} (one GPU per process, the
     * torchrun convention) or {@code cpu}. The caller owns the returned native object.
     */
    public Device device(int localRank) {
        return new Device(deviceName(localRank));
    }

    /** {@code "cuda:N"} or {@code "cpu"}. */
    public String deviceName(int localRank) {
        if (localRank < 0) {
            throw new IllegalArgumentException("local rank " + localRank + " must be >= 0");
        }
        return this == CUDA ? "cuda:" + localRank : "cpu";
    }

    /** Parses a configuration value ({@code cpu}, {@code cuda}, case-insensitive). */
    public static DeviceKind parse(String value) {
        for (DeviceKind k : values()) {
            if (k.name().equalsIgnoreCase(value.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("device '" + value + "' is not one of cpu, cuda");
    }
}
