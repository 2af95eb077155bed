package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.Manifest;

/**
 * Resume, end to end with real runs: a SIGKILLed rank restarted by the supervisor continues bit for bit, and a save
 * that fails for lack of space leaves the previous checkpoint in place for the next run.
 */
class ExactResumeTest {

    @TempDir
    Path dir;

    /**
     * 20 steps straight against a run that saves every 10 steps into the directory it loads from, loses rank 1 to
     * SIGKILL in step 13, and is restarted once by the supervisor: the restarted ranks resume from step 10 and the
     * losses of steps 11-20 are bit-identical to the straight run's (the weights, AdamW moments and step, the data
     * position and the learning rate all come back exactly; no step draws random numbers).
     */
    @Test
    void sigkilledRankRestartsFromStep10AndRepeatsTheLossesBitForBit() throws Exception {
        Path straightRun = dir.resolve("straight");
        Path straightOut = dir.resolve("straight.txt");
        Process straight = SmallRun.launch(CheckpointRuns.withNproc(SmallRun.trainArgs(straightRun, 20,
                "checkpoint_factor=0", "save=" + dir.resolve("straight-save"))), straightOut);
        assertTrue(SmallRun.waitFor(straight, 900), "the straight run did not finish: "
                + CheckpointRuns.read(straightOut));
        assertEquals(0, straight.exitValue(), CheckpointRuns.read(straightOut));
        TreeMap<Integer, Double> expected = CheckpointRuns.losses(straightRun);
        assertEquals(20, expected.size(), expected.toString());

        Path save = dir.resolve("save");
        Path runDir = dir.resolve("run");
        Path output = dir.resolve("out.txt");
        Process supervisor = SmallRun.launch(CheckpointRuns.withNproc(SmallRun.trainArgs(runDir, 20,
                "checkpoint_factor=10", "save=" + save, "load=" + save), "--max-restarts", "1"), output);
        assertTrue(SmallRun.awaitText(output, "step     12", 600),
                "step 12 never finished: " + CheckpointRuns.read(output));
        CheckpointRuns.rankProcess(supervisor, 1).destroyForcibly();      // SIGKILL, during step 13
        assertTrue(SmallRun.waitFor(supervisor, 900), "the restarted run did not finish: "
                + CheckpointRuns.read(output));
        String text = CheckpointRuns.read(output);
        assertEquals(0, supervisor.exitValue(), text);

        assertTrue(text.contains("restarting all 2 local ranks (restart 1 of 1)"), text);
        String restarted = text.substring(text.indexOf("restarting all 2 local ranks"));
        assertTrue(restarted.contains("load: resuming from " + save.resolve("step-000010") + " (step 10)"), restarted);
        assertTrue(restarted.contains("resuming after step 10 (160 samples consumed)"), restarted);
        String killedAttempt = text.substring(0, text.indexOf("restarting all 2 local ranks"));
        assertFalse(killedAttempt.contains("step     20"), "the kill came too late to test anything: " + killedAttempt);
        assertFalse(restarted.contains("step     10 |"), "the restart repeated step 10: " + restarted);

        TreeMap<Integer, Double> resumed = CheckpointRuns.losses(runDir);
        assertEquals(expected.keySet(), resumed.keySet());
        for (int step = 1; step <= 20; step++) {
            // Bit-identical: compare the raw bits, not within a tolerance.
            assertEquals(Double.doubleToRawLongBits(expected.get(step)), Double.doubleToRawLongBits(resumed.get(step)),
                    "loss of step " + step + ": straight " + expected.get(step) + ", resumed " + resumed.get(step));
        }
        assertEquals(save.resolve("step-000020"), new CheckpointStore(save).latest().orElseThrow());
        assertEquals(List.of(), straySaves(save));
    }

    /**
     * A save that runs out of space (files capped by RLIMIT_FSIZE, which fails the write like a full disk) fails the
     * run with a message naming the step, leaves {@code latest} on the previous checkpoint, which verifies and from
     * which the next run resumes and trains on.
     */
    @Test
    void fullDiskDuringSaveLeavesThePreviousCheckpointLoadable() throws Exception {
        Path save = dir.resolve("save");
        Path runDir = dir.resolve("run");
        Path first = dir.resolve("first.txt");
        Process p = SmallRun.launch(SmallRun.trainArgs(runDir, 5, "checkpoint_factor=5", "save=" + save,
                "load=" + save, "lr_decay_iters=10"), first);
        assertTrue(SmallRun.waitFor(p, 600), CheckpointRuns.read(first));
        assertEquals(0, p.exitValue(), CheckpointRuns.read(first));
        Manifest five = new CheckpointStore(save).verify(save.resolve("step-000005"));

        Path full = dir.resolve("full.txt");
        p = CheckpointRuns.launchWithFileSizeLimit(SmallRun.trainArgs(runDir, 10, "checkpoint_factor=5",
                "save=" + save, "load=" + save), full, 1024);
        assertTrue(SmallRun.waitFor(p, 600), CheckpointRuns.read(full));
        String text = CheckpointRuns.read(full);
        assertNotEquals(0, p.exitValue(), text);
        assertTrue(text.contains("resuming after step 5"), text);
        assertTrue(text.contains("checkpoint of step 10 failed: "), text);
        assertTrue(text.contains("File too large"), text);

        CheckpointStore store = new CheckpointStore(save);
        assertEquals(save.resolve("step-000005"), store.latest().orElseThrow());
        assertEquals(five, store.verify(save.resolve("step-000005")));
        assertFalse(Files.exists(save.resolve("step-000010")));
        assertEquals(List.of(), straySaves(save), "the failed save cleaned up after itself");

        Path again = dir.resolve("again.txt");
        p = SmallRun.launch(SmallRun.trainArgs(runDir, 10, "checkpoint_factor=5", "save=" + save, "load=" + save),
                again);
        assertTrue(SmallRun.waitFor(p, 600), CheckpointRuns.read(again));
        assertEquals(0, p.exitValue(), CheckpointRuns.read(again));
        assertTrue(CheckpointRuns.read(again).contains("resuming after step 5"), CheckpointRuns.read(again));
        assertEquals(save.resolve("step-000010"), store.latest().orElseThrow());
        assertEquals(10, store.verify(save.resolve("step-000010")).step());
    }

    private static List<String> straySaves(Path save) throws java.io.IOException {
        try (var s = Files.list(save)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
        }
    }
}
