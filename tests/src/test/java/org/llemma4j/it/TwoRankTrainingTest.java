package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's 2-rank runs over Gloo on loopback: the smoke run, a killed rank, a SIGTERM. */
class TwoRankTrainingTest {

    @TempDir
    Path dir;

    @Test
    void twoRankTinyRunFinishesWithFallingLoss() throws Exception {
        Path runDir = dir.resolve("run");
        List<String> args = new ArrayList<>(List.of("train", "--config", "configs/tiny.yaml", "--nproc-per-node", "2",
                "--run-dir", runDir.toString(), "--set", "train_iters=30", "--set", "lr_decay_iters=30",
                "--set", "warmup_iters=3", "--set", "log_interval=5"));
        Path output = dir.resolve("out.txt");
        Process supervisor = SmallRun.launch(args, output);
        assertTrue(SmallRun.waitFor(supervisor, 900), "the 2-rank run did not finish in 15 minutes");
        assertEquals(0, supervisor.exitValue(), Files.readString(output));

        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode record = new ObjectMapper().readTree(line);
            if (!record.has("loss")) {
                continue;                                   // a validation record (val_loss)
            }
            losses.add(record.get("loss").asDouble());
            // Two ranks all-reduce the gradients every step: that takes time, and less than the whole step.
            double comm = record.get("comm_time_s").asDouble();
            double fraction = record.get("comm_fraction").asDouble();
            assertTrue(comm > 0 && comm < record.get("step_time_s").asDouble(), "comm time " + line);
            assertEquals(comm / record.get("step_time_s").asDouble(), fraction, 1e-9, line);
            assertEquals(record.get("tokens_per_sec").asDouble() / 2, record.get("tokens_per_sec_per_rank").asDouble(),
                    1e-9 * record.get("tokens_per_sec").asDouble(), "per rank = total / world size: " + line);
        }
        assertTrue(losses.get(losses.size() - 1) < losses.get(0) - 1.0, "losses " + losses);
        assertTrue(Files.readString(output).contains("[rank 1]"), "rank 1's output is prefixed");
    }

    @Test
    void killedRankStopsTheRunNamingIt() throws Exception {
        Path output = dir.resolve("out.txt");
        Process supervisor = SmallRun.launch(CheckpointRuns.withNproc(SmallRun.trainArgs(dir.resolve("run"), 100_000)),
                output);
        assertTrue(SmallRun.awaitText(output, "step      2", 300),
                "training did not start: " + CheckpointRuns.read(output));
        ProcessHandle rank1 = CheckpointRuns.rankProcess(supervisor, 1);
        List<ProcessHandle> everything = new ArrayList<>(supervisor.descendants().toList());

        long start = System.nanoTime();
        rank1.destroyForcibly();                                   // SIGKILL
        assertTrue(SmallRun.waitFor(supervisor, 30), "the supervisor did not exit within 30 s of the kill");
        double seconds = (System.nanoTime() - start) / 1e9;

        assertTrue(supervisor.exitValue() != 0);
        String text = CheckpointRuns.read(output);
        assertTrue(text.contains("rank 1"), "the failure names rank 1: " + text);
        assertTrue(seconds < 30, "took " + seconds + " s");
        Thread.sleep(500);
        for (ProcessHandle p : everything) {
            assertFalse(p.isAlive(), "process " + p.pid() + " of the run is still alive");
        }
    }

    @Test
    void sigtermStopsAtAStepBoundary() throws Exception {
        Path output = dir.resolve("out.txt");
        Process rank = SmallRun.launch(SmallRun.trainArgs(dir.resolve("run"), 100_000), output);
        assertTrue(SmallRun.awaitText(output, "step      2", 300),
                "training did not start: " + CheckpointRuns.read(output));
        rank.destroy();                                             // SIGTERM
        assertTrue(SmallRun.waitFor(rank, 60), "the rank did not stop within 60 s of SIGTERM");
        assertTrue(CheckpointRuns.read(output).contains("stopped after step"), CheckpointRuns.read(output));
    }
}
