package org.llemma4j.parallel.device;

/** What a rank computes on. */
public enum DeviceKind {
    /** The host's cores; collectives over Gloo. */
    CPU,
    /** One NVIDIA GPU per rank, {@code cuda:LOCAL_RANK}; collectives over NCCL. */
    CUDA,
    /** libtorch's {@code meta} device: shapes and dtypes without storage, for placement and memory-plan tests. */
    META
}
