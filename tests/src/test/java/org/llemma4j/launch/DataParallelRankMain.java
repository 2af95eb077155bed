package org.llemma4j.launch;

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
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.train.Checkpointing;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.train.StopSignal;
import org.llemma4j.trainer.train.Trainer;

/**
 * One rank of the data-parallel equivalence test: trains the small fp32 model for 10 steps on the sample data and
 * writes its per-step losses and its final parameters to {@code <out>/rank<r>.losses} and {@code .params}.
 *
 * <p>Arguments: output directory, micro batch size, ZeRO stage, then any further {@code key=value} overrides.
 */
public final class DataParallelRankMain {

    public static void main(String[] args) throws IOException, UsageException {
        Path out = Path.of(args[0]);
        int microBatch = Integer.parseInt(args[1]);
        int zeroStage = Integer.parseInt(args[2]);
        List<String> overrides = new ArrayList<>(List.of(
                "precision=fp32", "num_layers=2", "hidden_size=64", "num_attention_heads=4", "num_kv_heads=2",
                "intermediate_size=128", "seq_length=64", "max_position_embeddings=64", "train_iters=10",
                "lr_decay_iters=10", "warmup_iters=2", "log_interval=1", "intra_op_threads=1",
                "train_micro_batch_size_per_gpu=" + microBatch, "zero_optimization.stage=" + zeroStage));
        overrides.addAll(Arrays.asList(args).subList(3, args.length));
        TrainConfig config = TrainConfig.load(List.of(Path.of("configs/tiny.yaml")), overrides);
        trainAndRecord(config, out, 1);
    }

    /**
     * Trains {@code config} as this process's rank ({@code tp}-way tensor parallel, the rest data parallel) and
     * writes its per-step losses and final parameter slice to {@code <out>/rank<r>.losses} and {@code .params}.
     */
    static void trainAndRecord(TrainConfig config, Path out, int tp) throws IOException, UsageException {
        DistEnv env = DistEnv.fromSystem();
        TrainingSamples data = TrainingSamples.open(config, env.worldSize() / tp);     // samples for dp ranks
        try (Distributed dist = env.worldSize() > 1 ? Distributed.init(env, DistOptions.cpu(tp)) : null) {
            ParallelContext parallel = dist == null ? ParallelContext.single() : ParallelContext.of(dist);
            try (Trainer trainer = new Trainer(config, out.resolve("run" + env.rank()), data,
                    parallel, StopSignal.manual(), Checkpointing.NONE)) {
                List<Double> losses = trainer.run();
                Files.writeString(out.resolve("rank" + env.rank() + ".losses"),
                        losses.stream().map(String::valueOf).collect(Collectors.joining("\n")));
                Tensor params = trainer.model().parameters().flat().to(ScalarType.Double);
                StringBuilder text = new StringBuilder();
                for (double v : Tensors.toDoubles(params)) {
                    text.append(v).append('\n');
                }
                Files.writeString(out.resolve("rank" + env.rank() + ".params"), text);
            }
        }
    }
}
