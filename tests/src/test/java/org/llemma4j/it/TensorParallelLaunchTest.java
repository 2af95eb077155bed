package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code launch train} with {@code model_parallel_size: 2} on 2 ranks: accepted, trains, logs every step, and saves
 * its final checkpoint with one model file per TP rank.
 */
class TensorParallelLaunchTest {

    @Test
    void launchTrainsWithTwoTensorParallelRanks(@TempDir Path dir) throws Exception {
        Path runDir = dir.resolve("run");
        List<String> args = List.of("train", "--config", "configs/tiny.yaml", "--nproc-per-node", "2",
                "--run-dir", runDir.toString(), "--set", "model_parallel_size=2", "--set", "num_layers=2",
                "--set", "hidden_size=64", "--set", "intermediate_size=128", "--set", "seq_length=64",
                "--set", "max_position_embeddings=64", "--set", "train_iters=3", "--set", "lr_decay_iters=3",
                "--set", "warmup_iters=1", "--set", "log_interval=1", "--set", "intra_op_threads=1",
                "--set", "save=" + dir.resolve("checkpoints"));
        Path output = dir.resolve("out.txt");
        Process supervisor = SmallRun.launch(args, output);
        assertTrue(SmallRun.waitFor(supervisor, 600), "the TP=2 run did not finish in 10 minutes");
        assertEquals(0, supervisor.exitValue(), Files.readString(output));
        List<String> lines = Files.readAllLines(runDir.resolve("metrics.jsonl"));
        ObjectMapper json = new ObjectMapper();
        List<String> steps = lines.stream().filter(l -> readTree(json, l).has("loss")).toList();
        assertEquals(3, steps.size(), "one metrics line per step: " + lines);
        // The validation pass at the end goes through the vocab-parallel loss too.
        assertTrue(lines.stream().anyMatch(l -> readTree(json, l).has("val_loss")), "a validation line: " + lines);
        double first = json.readTree(steps.get(0)).get("loss").asDouble();
        // A fresh model over a 32000-token vocabulary starts near ln(32000) = 10.37.
        assertEquals(Math.log(32000), first, 0.5, "initial loss " + first);
        assertTrue(Files.readString(output).contains("tp 2 x dp 1"), Files.readString(output));
        Path step = dir.resolve("checkpoints").resolve(Files.readString(dir.resolve("checkpoints").resolve("latest"))
                .trim());
        try (var files = Files.list(step)) {
            List<String> models = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-"))
                    .sorted().toList();
            assertEquals(2, models.size(), "one model file per TP rank in " + step + ": " + models);
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(ObjectMapper json, String line) {
        try {
            return json.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
