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
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.tensor.Tensors;

class TrainerTest {

    @TempDir
    Path dir;

    /** A model small enough that hundreds of steps take seconds; bf16 like the real runs. */
    private TrainConfig config(long iters, Map<String, Object> overrides) throws IOException {
        // The config checks that data files exist; the trainer itself reads the synthetic stream below.
        for (String file : List.of("data.bin", "data.idx")) {
            if (!Files.exists(dir.resolve(file))) {
                Files.createFile(dir.resolve(file));
            }
        }
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
        try (Trainer trainer = new Trainer(config, runDir,
                new SyntheticSamples(50_000, 256, config.training().seqLength(), 9))) {
            return trainer.run();
        }
    }

    @Test
    void samplesOfAnotherSeqLengthOrTooFewAreRejectedBeforeTheModelIsBuilt() throws IOException {
        TrainConfig config = config(30, Map.of());
        IllegalArgumentException seq = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config, dir.resolve("x"), new SyntheticSamples(1000, 256, 16, 1)));
        assertEquals("synthetic has samples of seq_length 16, but the config's seq_length is 32", seq.getMessage());
        org.llemma4j.data.index.Samples few = new org.llemma4j.data.index.Samples() {
            public long size() {
                return 100;
            }

            public int seqLength() {
                return 32;
            }

            public void sample(long i, int[] dst, int off) {
            }

            public String describe() {
                return "few";
            }
        };
        IllegalArgumentException size = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config, dir.resolve("y"), few));
        assertEquals("few holds 100 samples, fewer than 30 global batches of 8 = 240", size.getMessage());
    }

    @Test
    void aConfigWhoseThreadCountNobodyFilledInIsRejected() throws IOException {
        Map<String, Object> noThreads = new HashMap<>();
        noThreads.put("intra_op_threads", null);            // absent: the launcher has not filled in its default
        TrainConfig config = config(30, noThreads);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config, dir.resolve("x"), new SyntheticSamples(1000, 256, 32, 1)));
        assertEquals("intra_op_threads is not set: whoever starts training fills in the machine's default"
                + " (TrainConfig.withDefaultIntraOpThreads)", e.getMessage());
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
        for (String field : List.of("step", "loss", "lr", "grad_norm", "tokens_per_sec", "tokens_per_sec_per_rank",
                "mfu", "step_time_s", "comm_time_s", "comm_fraction", "rss_bytes", "peak_rss_bytes", "eta_s",
                "skipped_steps")) {
            assertTrue(record.has(field), "metrics.jsonl lacks " + field + ": " + record);
        }
        // A single process has no collectives to time.
        assertEquals(0.0, record.get("comm_time_s").asDouble(), 0.0);
        assertEquals(0.0, record.get("comm_fraction").asDouble(), 0.0);
        // One rank: its share is the whole throughput.
        assertEquals(record.get("tokens_per_sec").asDouble(), record.get("tokens_per_sec_per_rank").asDouble(), 0.0);
        assertTrue(Files.exists(runDir.resolve("config.yaml")));
    }

    /**
     * MFU's denominator is the device's peak: {@code peak_tflops} when given (on CUDA the datasheet's figure
     * otherwise, on the CPU the measured matmul rate), times the world size.
     */
    @Test
    void mfuIsTakenAgainstPeakTflopsWhenGiven() throws IOException {
        Path runDir = dir.resolve("peak");
        TrainConfig config = config(10, Map.of("peak_tflops", 0.001));
        train(config, runDir);
        JsonNode record = new ObjectMapper().readTree(Files.readAllLines(runDir.resolve("metrics.jsonl")).get(0));
        double expected = record.get("tokens_per_sec").asDouble()
                * FlopsModel.modelFlopsPerToken(config.model(), config.training().seqLength()) / 1e9;
        assertEquals(expected, record.get("mfu").asDouble(), 1e-12 * expected);
    }

    /** NaN weights give a NaN gradient at every step: each is skipped, and the fifth in a row stops the run. */
    @Test
    void nonFiniteGradientsAreSkippedThenStopTheRun() throws IOException {
        try (Trainer trainer = new Trainer(config(20, Map.of()), dir.resolve("nan"),
                new SyntheticSamples(50_000, 256, 32, 9))) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                trainer.model().parameters().flat().fill_(Tensors.scalar(Double.NaN));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, trainer::run);
            assertEquals("5 steps in a row had a non-finite gradient norm (NaN); the run has diverged: lower "
                    + "optimizer.params.lr or resume from an earlier checkpoint", e.getMessage());
        }
    }

    /** Every eval_interval steps and at the end: one record with val_loss, val_ppl and each set's loss. */
    @Test
    void validationLossesAreLoggedPerSet() throws IOException {
        Path runDir = dir.resolve("valid");
        try (Trainer trainer = new Trainer(config(10, Map.of("eval_interval", 5, "eval_iters", 2)), runDir,
                new SyntheticSamples(50_000, 256, 32, 9))) {
            trainer.validateOn(Map.of("a", new SyntheticSamples(5_000, 256, 32, 1),
                    "b", new SyntheticSamples(5_000, 256, 32, 2)));
            trainer.run();
        }
        List<JsonNode> evaluations = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode record = new ObjectMapper().readTree(line);
            if (record.has("val_loss")) {
                evaluations.add(record);
            }
        }
        assertEquals(List.of(5L, 10L), evaluations.stream().map(r -> r.get("step").asLong()).toList());
        JsonNode last = evaluations.get(1);
        double mean = (last.get("val_loss/a").asDouble() + last.get("val_loss/b").asDouble()) / 2;
        assertEquals(mean, last.get("val_loss").asDouble(), 1e-12);
        assertEquals(Math.exp(mean), last.get("val_ppl").asDouble(), 1e-9 * Math.exp(mean));
        assertTrue(last.get("val_loss").asDouble() < evaluations.get(0).get("val_loss").asDouble() + 0.5);
    }

    /**
     * The steady state reads device values into Java once per optimizer step (on a GPU every read waits for the
     * device): with gradient accumulation and activation recomputation, nothing else reads a loss or a norm.
     */
    @Test
    void eachStepReadsTheDeviceOnce() throws IOException {
        TrainConfig config = config(6, Map.of("checkpoint_activations", true, "log_interval", 100));
        try (Trainer trainer = new Trainer(config, dir.resolve("reads"),
                new SyntheticSamples(50_000, 256, config.training().seqLength(), 9))) {
            long before = Tensors.hostReads();
            trainer.run();
            assertEquals(6, Tensors.hostReads() - before, "host reads in 6 steps");
        }
    }

    /**
     * Each micro-batch's activations are freed before the next one runs: a step's peak memory is that of one
     * micro-batch, whatever the accumulation count. Measured as the resident set's peak (the CPU's device memory),
     * against the growth of one micro-batch: 4 micro-batches must add less than half of it. Measured here: 351 MB
     * for one micro-batch, then 50 MB for four (the heap reuses what the first run freed); with the micro-batches'
     * tensors kept to the end of the step, 329 MB and then 617 MB.
     */
    @Test
    void peakMemoryDoesNotGrowWithTheAccumulationCount() throws IOException {
        ComputeDevice cpu = ComputeDevice.cpu(1);
        Map<String, Object> shape = Map.of("hidden_size", 256, "num_attention_heads", 8, "num_kv_heads", 4,
                "intermediate_size", 512, "vocab_size", 256, "seq_length", 256, "max_position_embeddings", 256,
                "train_micro_batch_size_per_gpu", 8, "log_interval", 100, "warmup_iters", 1);
        long[] growth = new long[2];
        int[] accumulation = {1, 4};
        for (int i = 0; i < 2; i++) {
            Map<String, Object> overrides = new HashMap<>(shape);
            overrides.put("gradient_accumulation_steps", accumulation[i]);
            TrainConfig config = config(2, overrides);
            try (Trainer trainer = new Trainer(config, dir.resolve("memory" + i),
                    new SyntheticSamples(50_000, 256, config.training().seqLength(), 9))) {
                cpu.resetPeakMemory();
                long start = cpu.memory().currentBytes();
                trainer.run();
                growth[i] = cpu.memory().peakBytes() - start;
            }
        }
        assertTrue(growth[0] > 50_000_000, "one micro-batch's activations are measurable: " + growth[0] + " bytes");
        assertTrue(growth[1] - growth[0] < growth[0] / 2, "peak growth with 4 micro-batches " + growth[1]
                + " bytes against " + growth[0] + " with 1");
    }
}
