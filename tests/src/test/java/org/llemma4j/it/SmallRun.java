package org.llemma4j.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * configs/tiny.yaml on the embedded sample data, shrunk with {@code --set} so that a multi-process test takes
 * seconds: a 2-layer, 64-wide model over the real 32000-token vocabulary and data.
 */
final class SmallRun {

    private SmallRun() {
    }

    static List<String> trainArgs(Path runDir, long iters, String... extraSets) {
        List<String> args = new ArrayList<>(List.of("train", "--config", "configs/tiny.yaml", "--run-dir",
                runDir.toString()));
        for (String set : List.of("num_layers=2", "hidden_size=64", "num_attention_heads=4", "num_kv_heads=2",
                "intermediate_size=128", "seq_length=64", "max_position_embeddings=64", "log_interval=1",
                "train_iters=" + iters, "lr_decay_iters=" + iters, "warmup_iters=1")) {
            args.addAll(List.of("--set", set));
        }
        for (String set : extraSets) {
            args.addAll(List.of("--set", set));
        }
        return args;
    }

    /** A separate JVM running {@code launch} with {@code args}, from the repository root, output to a file. */
    static Process launch(List<String> args, Path output) throws IOException {
        return launch(args, Map.of(), output);
    }

    /** The same, with {@code env} added to the inherited environment (e.g. RANK, or SLURM's variables). */
    static Process launch(List<String> args, Map<String, String> env, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.llemma4j.launch.Launch"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    /** Waits for {@code process} at most {@code seconds}; kills it and its descendants if it is still running. */
    static boolean waitFor(Process process, long seconds) throws InterruptedException {
        boolean exited = process.waitFor(seconds, TimeUnit.SECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        return exited;
    }

    /**
     * Polls {@code file} every 10 ms until it contains {@code text}, at most {@code seconds}: closely enough to
     * act (kill a rank) within the step after the one awaited.
     */
    static boolean awaitText(Path file, String text, long seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
