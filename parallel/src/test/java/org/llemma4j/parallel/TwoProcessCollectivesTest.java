package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store, Gloo and the collectives across two separate JVMs (not threads of one), started like the supervisor
 * starts ranks: same java binary, the test class path, the torchrun variables.
 */
class TwoProcessCollectivesTest {

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        for (Process p : started) {
            p.destroyForcibly();
        }
    }

    private List<Process> launch(String... args) throws IOException {
        int port = FreePort.pick();
        List<Process> ranks = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java,
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"), TwoProcessWorker.class.getName()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("RANK", "" + rank);
            pb.environment().put("LOCAL_RANK", "" + rank);
            pb.environment().put("WORLD_SIZE", "2");
            pb.environment().put("LOCAL_WORLD_SIZE", "2");
            pb.environment().put("MASTER_ADDR", "127.0.0.1");
            pb.environment().put("MASTER_PORT", "" + port);
            Process p = pb.start();
            started.add(p);
            ranks.add(p);
        }
        return ranks;
    }

    /** Waits (bounded) for the process and returns its whole output. */
    private static String finish(Process p, int seconds) throws Exception {
        // Read on another thread: a full pipe would otherwise block the child and the wait below.
        var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String text = output.get(10, TimeUnit.SECONDS);
        assertTrue(done, "rank did not finish in " + seconds + " s:\n" + text);
        return text;
    }

    @Test
    void everyCollectiveAcrossTwoJvms() throws Exception {
        List<Process> ranks = launch("verify", "" + (4 << 20));
        String[] outputs = new String[2];
        for (int r = 0; r < 2; r++) {
            outputs[r] = finish(ranks.get(r), 120);
        }
        for (int r = 0; r < 2; r++) {
            String text = outputs[r];
            assertEquals(0, ranks.get(r).exitValue(), "rank " + r + ":\n" + text);
            for (String name : List.of("allReduce-sum", "allReduce-max", "reduceScatter-avg", "allGather",
                    "broadcast")) {
                assertTrue(text.contains("CHECK " + name + "-fp32 ok") && text.contains("CHECK " + name + "-bf16 ok"),
                        "rank " + r + " " + name + ":\n" + text);
            }
            assertTrue(text.contains("CHECK barrier ok"), text);
            text.lines().filter(l -> l.startsWith("TIMING")).forEach(System.out::println);
        }
    }

    @Test
    void aPeerThatDiesMakesTheCollectiveFailNotHang() throws Exception {
        List<Process> ranks = launch("peer-dies");
        String rank1 = finish(ranks.get(1), 60);
        assertEquals(7, ranks.get(1).exitValue(), rank1);
        long start = System.nanoTime();
        String rank0 = finish(ranks.get(0), 60);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(2, ranks.get(0).exitValue(), rank0);
        assertTrue(rank0.contains("PEER-ERROR allReduce(SUM) of 1000 Float elements on group world (GLOO, rank 0 of 2"),
                rank0);
        assertTrue(seconds < 40, "rank 0 took " + seconds + " s to notice");
    }
}
