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
    ALL_REDUCE
}
