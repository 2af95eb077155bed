package org.llemma4j.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One rank of the TP x DP equivalence test: trains the small fp32 model (4 heads over 2 KV heads, so TP=2 splits
 * whole KV groups) for 5 steps on the sample data at the given tensor-parallel degree, and writes its per-step
 * losses and its final parameter slice to {@code <out>/rank<r>.losses} and {@code .params}.
 *
 * <p>Arguments: output directory, micro batch size, model_parallel_size, ZeRO stage, and optionally overlap_comm
 * (false by default; with true the gradients go in buckets of 20,000 elements).
 */
public final class TensorParallelRankMain {

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int microBatch = Integer.parseInt(args[1]);
        int tp = Integer.parseInt(args[2]);
        int zeroStage = Integer.parseInt(args[3]);
        boolean overlap = args.length > 4 && Boolean.parseBoolean(args[4]);
        DataParallelRankMain.trainAndRecord(List.of(
                "precision=fp32", "num_layers=2", "hidden_size=64", "num_attention_heads=4", "num_kv_heads=2",
                "intermediate_size=128", "seq_length=64", "max_position_embeddings=64", "train_iters=5",
                "lr_decay_iters=5", "warmup_iters=2", "log_interval=1", "intra_op_threads=1",
                "train_micro_batch_size_per_gpu=" + microBatch, "model_parallel_size=" + tp,
                "zero_optimization.stage=" + zeroStage, "zero_optimization.overlap_comm=" + overlap,
                "zero_optimization.reduce_bucket_size=20000"), out);
    }
}
