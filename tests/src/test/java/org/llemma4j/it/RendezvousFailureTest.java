package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.FreePort;

/**
 * What a user sees when a rank started by hand (or by srun) cannot form the job: `launch train` with the torchrun
 * variables, a short LLEMMA_RENDEZVOUS_TIMEOUT_S, and nobody at the master.
 */
class RendezvousFailureTest {

    @TempDir
    Path dir;

    @Test
    void rankThatCannotReachTheMasterFailsWithinTheTimeoutNamingHostAndPort() throws Exception {
        int port = FreePort.pick();                            // nobody listens there
        Path output = dir.resolve("out.txt");
        Process rank1 = SmallRun.launch(SmallRun.trainArgs(dir.resolve("run"), 5), Map.of("RANK", "1",
                "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port),
                "LLEMMA_RENDEZVOUS_TIMEOUT_S", "2"), output);
        assertTrue(SmallRun.waitFor(rank1, 180), "the rank did not give up: " + Files.readString(output));

        String text = Files.readString(output);
        assertEquals(1, rank1.exitValue(), text);
        assertTrue(text.contains("launch train: rendezvous: rank 1 of 2 could not reach the master 127.0.0.1:" + port
                + " within 2.0 s"), text);
        // The wait itself is bounded by the timeout (c10d's own retry would add a back-off as long as the timeout).
        Matcher waited = Pattern.compile("\\(waited ([0-9.]+) s\\)").matcher(text);
        assertTrue(waited.find(), text);
        assertTrue(Double.parseDouble(waited.group(1)) < 3.0, "waited " + waited.group(1) + " s for a 2 s timeout");
        assertFalse(text.contains("\tat org.llemma4j"), "a clean message, not a stack trace: " + text);
    }

    @Test
    void rank0WhosePortIsTakenSaysSo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Path output = dir.resolve("out.txt");
            Process rank0 = SmallRun.launch(SmallRun.trainArgs(dir.resolve("run"), 5), Map.of("RANK", "0",
                    "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", Integer.toString(port),
                    "LLEMMA_RENDEZVOUS_TIMEOUT_S", "5"), output);
            assertTrue(SmallRun.waitFor(rank0, 180), "rank 0 did not give up: " + Files.readString(output));

            String text = Files.readString(output);
            assertEquals(1, rank0.exitValue(), text);
            assertTrue(text.contains("could not serve the TCPStore on 127.0.0.1:" + port) && text.contains("port "
                    + port + " is already in use"), text);
        }
    }

    @Test
    void malformedTimeoutIsAUsageError() throws Exception {
        Path output = dir.resolve("out.txt");
        Process rank = SmallRun.launch(SmallRun.trainArgs(dir.resolve("run"), 5), Map.of("RANK", "1",
                "WORLD_SIZE", "2", "LLEMMA_RENDEZVOUS_TIMEOUT_S", "soon"), output);
        assertTrue(SmallRun.waitFor(rank, 120));
        String text = Files.readString(output);
        assertEquals(2, rank.exitValue(), text);
        assertTrue(text.contains("LLEMMA_RENDEZVOUS_TIMEOUT_S='soon' is not a number of seconds"), text);
    }
}
