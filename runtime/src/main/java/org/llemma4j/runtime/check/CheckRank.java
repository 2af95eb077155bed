package org.llemma4j.runtime.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.runtime.RunOptions;
import org.llemma4j.runtime.TrainingRun;
import org.llemma4j.trainer.config.TrainConfig;

/**
 * One rank of a multi-rank check run (check 5): a training run as {@code launch train} starts it, through
 * {@link TrainingRun} (the rank's device from {@code LOCAL_RANK}, NCCL on CUDA, Gloo on the CPU), after which rank 0
 * writes the per-step losses, one a line, to {@code <out>/losses}.
 *
 * <p>Arguments: the output directory, then {@code --config FILE} and {@code --set key=value} pairs in order.
 */
public final class CheckRank {

    /** The file rank 0 writes its losses to, in the output directory. */
    static final String LOSSES = "losses";

    private CheckRank() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length % 2 != 1) {
            throw new IllegalArgumentException("usage: CheckRank OUT_DIR [--config FILE | --set KEY=VALUE]...");
        }
        Path out = Path.of(args[0]);
        List<Path> configs = new ArrayList<>();
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--config" -> configs.add(Path.of(args[i + 1]));
                case "--set" -> overrides.add(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "': CheckRank takes --config FILE and --set KEY=VALUE");
            }
        }
        DistEnv env = DistEnv.fromSystem();
        TrainConfig config = TrainConfig.load(configs, overrides);
        try (TrainingRun run = TrainingRun.start(config, RunOptions.embedded(out.resolve("rank" + env.rank())), env)) {
            List<Double> losses = run.train();
            if (env.rank() == 0) {
                Files.writeString(out.resolve(LOSSES), losses.stream().map(String::valueOf)
                        .collect(Collectors.joining("\n", "", "\n")));
            }
        }
    }

    /** The arguments of a rank writing into {@code out}. */
    static List<String> arguments(Path out, List<Path> configs, List<String> overrides) {
        List<String> args = new ArrayList<>(List.of(out.toString()));
        for (Path config : configs) {
            args.addAll(List.of("--config", config.toAbsolutePath().toString()));
        }
        for (String set : overrides) {
            args.addAll(List.of("--set", set));
        }
        return args;
    }

    /** The losses rank 0 wrote into {@code out}. */
    static List<Double> readLosses(Path out) throws IOException {
        return Files.readAllLines(out.resolve(LOSSES)).stream().filter(l -> !l.isBlank()).map(Double::valueOf)
                .toList();
    }
}
