package org.llemma4j.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.runtime.RunOptions;
import org.llemma4j.runtime.TrainingRun;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * One rank of the data-parallel equivalence test: trains the small fp32 model for 10 steps on the sample data and
 * writes its per-step losses and its final parameters to {@code <out>/rank<r>.losses} and {@code .params}.
 *
 * <p>Arguments: output directory, micro batch size, ZeRO stage, then any further {@code key=value} overrides.
 */
public final class DataParallelRankMain {

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int microBatch = Integer.parseInt(args[1]);
        int zeroStage = Integer.parseInt(args[2]);
        List<String> overrides = new ArrayList<>(List.of(
                "precision=fp32", "num_layers=2", "hidden_size=64", "num_attention_heads=4", "num_kv_heads=2",
                "intermediate_size=128", "seq_length=64", "max_position_embeddings=64", "train_iters=10",
                "lr_decay_iters=10", "warmup_iters=2", "log_interval=1", "intra_op_threads=1",
                "train_micro_batch_size_per_gpu=" + microBatch, "zero_optimization.stage=" + zeroStage));
        overrides.addAll(Arrays.asList(args).subList(3, args.length));
        trainAndRecord(overrides, out);
    }

    /**
     * Trains tiny.yaml with {@code overrides} as this process's rank (the layout comes from them and the
     * environment) and writes its per-step losses and final parameter slice to {@code <out>/rank<r>.losses} and
     * {@code .params}.
     * Validation is off and checkpoints go to {@code <out>/checkpoints}: the run is the one {@code launch train}
     * would start, without the parts these tests do not compare.
     */
    static void trainAndRecord(List<String> overrides, Path out) throws IOException {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(List.of("eval_iters=0", "save=" + out.resolve("checkpoints")));
        TrainConfig config = TrainConfig.load(List.of(Path.of("configs/tiny.yaml")), all);
        DistEnv env = DistEnv.fromSystem();
        try (TrainingRun run = TrainingRun.start(config, RunOptions.embedded(out.resolve("run" + env.rank())), env)) {
            List<Double> losses = run.train();
            Files.writeString(out.resolve("rank" + env.rank() + ".losses"),
                    losses.stream().map(String::valueOf).collect(Collectors.joining("\n")));
            Tensor params = run.trainer().model().parameters().flat().to(ScalarType.Double);
            StringBuilder text = new StringBuilder();
            for (double v : Tensors.toDoubles(params)) {
                text.append(v).append('\n');
            }
            Files.writeString(out.resolve("rank" + env.rank() + ".params"), text);
        }
    }
}
