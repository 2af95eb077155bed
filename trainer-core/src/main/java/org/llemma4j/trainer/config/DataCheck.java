package org.llemma4j.trainer.config;

/**
 * How much of the data section {@link TrainConfig#load(java.util.List, java.util.List, DataCheck)} checks.
 *
 * <p>Training needs the data; tools that only read the model and batch settings (such as {@code launch plan},
 * run on a laptop for a cluster config whose shards live on the cluster) do not, and must not fail because
 * {@code data/proof-pile-2/...} is absent here.
 */
public enum DataCheck {

    /**
     * The default: training data must be named ({@code data_path} or {@code train_data_paths}) and every
     * dataset prefix must have its {@code prefix.bin} and {@code prefix.idx} on disk.
     */
    FILES,

    /**
     * Data keys are still parsed and validated as written (types, one weight per path, exclusive spellings), but
     * they may be absent and no file is looked for. {@link DataSection#requireFiles()} runs the skipped
     * checks later, for a caller that first wants to check something cheaper (such as the GPUs a run needs).
     */
    SKIP
}
