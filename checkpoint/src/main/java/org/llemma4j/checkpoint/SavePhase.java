package org.llemma4j.checkpoint;

/** The points of {@link CheckpointStore#commit} between which a crash can happen, in order. */
public enum SavePhase {
    /** The tensor index was built from the ranks' files and checked. */
    INDEXED,
    /** {@code manifest.json} is written inside the temporary directory. */
    MANIFEST_WRITTEN,
    /** Every file and the temporary directory are fsynced. */
    SYNCED,
    /** The temporary directory was renamed to {@code step-NNNNNN}; {@code latest} still names the previous step. */
    RENAMED,
    /** {@code latest} names the new step. */
    LATEST_UPDATED,
    /** Step directories beyond {@code keepLast} and stale temporary directories are deleted. */
    PRUNED
}
