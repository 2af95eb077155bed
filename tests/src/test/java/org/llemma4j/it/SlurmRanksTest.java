package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each task of {@code srun --ntasks-per-node 2 scripts/launch train ...} sees: SLURM's variables only (no
 * RANK, no MASTER_ADDR/MASTER_PORT). Two plain `launch train` processes with those variables must train together
 * as ranks 0 and 1 of 2, the master being the first host of the node list and the port derived from the job id.
 */
class SlurmRanksTest {

    @TempDir
    Path dir;

    @Test
    void twoSrunTasksTrainAsRanks0And1() throws Exception {
        long jobId = jobIdWithFreePort();
        Path runDir = dir.resolve("run");
        Process[] tasks = new Process[2];
        Path[] outputs = new Path[2];
        for (int task = 0; task < 2; task++) {
            outputs[task] = dir.resolve("task" + task + ".txt");
            tasks[task] = SmallRun.launch(SmallRun.trainArgs(runDir, 4, "intra_op_threads=1"), Map.of("SLURM_PROCID",
                    Integer.toString(task), "SLURM_LOCALID", Integer.toString(task), "SLURM_NTASKS", "2",
                    "SLURM_TASKS_PER_NODE", "2", "SLURM_JOB_NODELIST", "localhost", "SLURM_JOB_ID",
                    Long.toString(jobId), "LLEMMA_RENDEZVOUS_TIMEOUT_S", "120"), outputs[task]);
        }
        for (int task = 0; task < 2; task++) {
            assertTrue(SmallRun.waitFor(tasks[task], 600), "task " + task + " did not finish: "
                    + Files.readString(outputs[task]));
        }
        String task0 = Files.readString(outputs[0]);
        String task1 = Files.readString(outputs[1]);
        assertEquals(0, tasks[0].exitValue(), task0);
        assertEquals(0, tasks[1].exitValue(), task1);
        assertTrue(task0.contains("rank 0 of world 2 (tp 1 x dp 2"), task0);
        assertFalse(task1.contains("step      1"), "only rank 0 reports steps: " + task1);
        List<String> steps = Files.readAllLines(runDir.resolve("metrics.jsonl")).stream()
                .filter(line -> line.contains("\"loss\""))           // training steps, not validation records
                .toList();
        assertEquals(4, steps.size(), String.join("\n", steps));
        assertTrue(steps.get(3).contains("\"comm_time_s\""), steps.get(3));
    }

    /** A SLURM_JOB_ID whose derived port (20000 + id mod 10000, see DistEnv) is free on loopback now. */
    private static long jobIdWithFreePort() throws IOException {
        for (int k = (int) (ProcessHandle.current().pid() % 10000), tries = 0; tries < 200; k = (k + 37) % 10000,
                tries++) {
            try (ServerSocket probe = new ServerSocket(20000 + k, 1, InetAddress.getByName("127.0.0.1"))) {
                return 4_560_000L + k;                  // a job id of realistic size, 4560000 = 0 mod 10000
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IOException("no free port in 20000..29999 to derive a SLURM_JOB_ID from");
    }
}
