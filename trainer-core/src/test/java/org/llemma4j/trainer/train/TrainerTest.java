package org.llemma4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.nn.Tensors;

class TrainerTest {

    @TempDir
    Path dir;

    /** A model small enough that hundreds of steps take seconds; bf16 like the real runs. */
    private TrainConfig config(long iters, Map<String, Object> overrides) throws IOException {
        // The config checks that data files exist; the trainer itself reads the synthetic stream below.
        Files.createFile(dir.resolve("data.bin"));
        Files.createFile(dir.resolve("data.idx"));
        Map<String, Object> map = new HashMap<>(Map.ofEntries(
                Map.entry("num_layers", 2), Map.entry("hidden_size", 64), Map.entry("num_attention_heads", 4),
                Map.entry("num_kv_heads", 2), Map.entry("intermediate_size", 128), Map.entry("vocab_size", 256),
                Map.entry("seq_length", 32), Map.entry("max_position_embeddings", 32),
                Map.entry("optimizer", Map.of("type", "adam", "params", Map.of("lr", 3e-3))),
                Map.entry("train_micro_batch_size_per_gpu", 4), Map.entry("gradient_accumulation_steps", 2),
                Map.entry("train_iters", iters), Map.entry("warmup_iters", 5), Map.entry("log_interval", 10),
                Map.entry("intra_op_threads", 1),
                Map.entry("train_data_paths", List.of(dir.resolve("data").toString()))));
        map.putAll(overrides);
        return TrainConfig.fromMap(map);
    }

    private List<Double> train(TrainConfig config, Path runDir) {
        try (Trainer trainer = new Trainer(config, runDir, List.of(new SyntheticTokens(50_000, 256, 9)))) {
            return trainer.run();
        }
    }

    @Test
    void sameSeedGivesBitIdenticalLosses() throws IOException {
        TrainConfig config = config(30, Map.of());
        List<Double> first = train(config, dir.resolve("a"));
        List<Double> second = train(config, dir.resolve("b"));
        assertEquals(first, second);                    // exact: same ops, same order, same thread count
        assertTrue(first.get(29) < first.get(0) - 1.0, "loss should fall on learnable data: " + first);
    }

    @Test
    void fp32PrecisionTrains() throws IOException {
        List<Double> losses = train(config(20, Map.of("precision", "fp32")), dir.resolve("fp32"));
        assertTrue(losses.get(19) < losses.get(0) - 1.0, losses.toString());
    }

    /**
     * 300 steps, each inside its own PointerScope: resident memory at the end is within 32 MB of what it was at
     * step 50 (once allocator pools have warmed up). One leaked step's activations would be ~1 MB here, so a
     * per-step leak shows up as 250+ MB.
     */
    @Test
    void residentMemoryStaysFlatOver300Steps() throws IOException {
        Path runDir = dir.resolve("rss");
        train(config(300, Map.of()), runDir);
        ObjectMapper json = new ObjectMapper();
        Map<Long, Long> rssByStep = new HashMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode record = json.readTree(line);
            rssByStep.put(record.get("step").asLong(), record.get("rss_bytes").asLong());
        }
        long growth = rssByStep.get(300L) - rssByStep.get(50L);
        assertTrue(growth < 32L << 20, "resident memory grew by " + growth / (1 << 20) + " MB from step 50 to 300");
    }

    @Test
    void metricsFileHasTheDocumentedFields() throws IOException {
        Path runDir = dir.resolve("fields");
        train(config(10, Map.of()), runDir);
        JsonNode record = new ObjectMapper().readTree(Files.readAllLines(runDir.resolve("metrics.jsonl")).get(0));
        for (String field : List.of("step", "loss", "lr", "grad_norm", "tokens_per_sec", "mfu", "step_time_s")) {
            assertTrue(record.has(field), "metrics.jsonl lacks " + field + ": " + record);
        }
        assertTrue(Files.exists(runDir.resolve("config.yaml")));
    }

    /** NaN weights give a NaN gradient at every step: each is skipped, and the fifth in a row stops the run. */
    @Test
    void nonFiniteGradientsAreSkippedThenStopTheRun() throws IOException {
        try (Trainer trainer = new Trainer(config(20, Map.of()), dir.resolve("nan"),
                List.of(new SyntheticTokens(50_000, 256, 9)))) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                trainer.model().parameters().flat().fill_(Tensors.scalar(Double.NaN));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, trainer::run);
            assertEquals("5 steps in a row had a non-finite gradient norm (NaN); the run has diverged: lower "
                    + "optimizer.params.lr or resume from an earlier checkpoint", e.getMessage());
        }
    }
}
