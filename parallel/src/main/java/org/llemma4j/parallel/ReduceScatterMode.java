package org.llemma4j.parallel;

/**
 * How {@link Collectives#reduceScatter} is carried out.
 *
 * <ul>
 *   <li>{@link #NATIVE}: the backend's {@code _reduce_scatter_base} (flat input, flat output). NCCL's is a true
 *       reduce-scatter; Gloo (2.10) implements it too.</li>
 *   <li>{@link #ALL_REDUCE}: one all-reduce of a copy of the whole input, then this rank's shard is copied out.
 *       It moves about twice the bytes of a ring reduce-scatter and needs a full-size temporary; kept as a
 *       fallback for backends without a reduce-scatter and as the baseline the native path is measured against.</li>
 * </ul>
 */
public enum ReduceScatterMode {
    NATIVE,
    ALL_REDUCE;

    /**
     * The faster mode by measurement. NCCL: its native ring reduce-scatter. Gloo: the all-reduce path, because
     * Gloo's {@code _reduce_scatter_base} measured slower and far more erratic here (2 ranks on loopback, 4M fp32
     * elements, 15 repetitions, 2-core machine under load: native median 135 ms / min 23 ms, via all-reduce median
     * 43 ms / min 25 ms; bf16 about equal, 20-22 ms). {@code CollectivesBenchmark} in the tests re-measures it.
     */
    public static ReduceScatterMode preferredFor(CommBackend backend) {
        return backend == CommBackend.GLOO ? ALL_REDUCE : NATIVE;
    }
}
