package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static final String HOST = "127.0.0.1";

    @Test
    void threeRanksMeetAndShareTheStore() throws Exception {
        int port = FreePort.pick();
        RankThreads.runAll(3, Duration.ofSeconds(60), rank -> {
            try (Rendezvous r = Rendezvous.join(HOST, port, rank, 3, Duration.ofSeconds(20))) {
                assertEquals(3, r.worldSize());
                r.store().set("hello/" + rank, "from " + rank);
                for (int other = 0; other < 3; other++) {
                    assertEquals("from " + other, r.store().get_to_str("hello/" + other));
                }
            }
        });
    }

    @Test
    void masterThatNeverComesUpIsAnErrorNotAHang() {
        int port = FreePort.pick();
        long start = System.nanoTime();
        DistributedException e = assertThrows(DistributedException.class,
                () -> Rendezvous.join(HOST, port, 1, 2, Duration.ofSeconds(4)));
        double waited = (System.nanoTime() - start) / 1e9;
        // Within the timeout, give or take a probe: c10d's client alone retried after a back-off about as long as
        // the timeout, so it took up to twice as long.
        assertTrue(waited >= 4 && waited < 5, "gave up after " + waited + " s");
        String m = e.getMessage();
        assertTrue(m.contains("rank 1 of 2") && m.contains("could not reach the master " + HOST + ":" + port)
                && m.contains("within 4.0 s") && m.contains("Connection refused"), m);
    }

    @Test
    void masterThatComesUpLateIsWaitedFor() throws Exception {
        int port = FreePort.pick();
        RankThreads.runAll(2, Duration.ofSeconds(60), rank -> {
            if (rank == 0) {
                Thread.sleep(1500);                            // rank 1 probes a closed port meanwhile
            }
            try (Rendezvous r = Rendezvous.join(HOST, port, rank, 2, Duration.ofSeconds(20))) {
                assertEquals(2, r.worldSize());
            }
        });
    }

    @Test
    void portAlreadyInUseIsNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            int port = taken.getLocalPort();
            DistributedException e = assertThrows(DistributedException.class,
                    () -> Rendezvous.join(HOST, port, 0, 2, Duration.ofSeconds(5)));
            String m = e.getMessage();
            assertTrue(m.contains("rank 0 of 2 could not serve the TCPStore on " + HOST + ":" + port)
                    && m.contains("port " + port + " is already in use"), m);
        }
    }

    @Test
    void fewerRanksThanWorldSizeTimesOutNamingTheMissing() throws Exception {
        int port = FreePort.pick();
        long start = System.nanoTime();
        List<Throwable> failures = RankThreads.run(2, Duration.ofSeconds(60),
                rank -> Rendezvous.join(HOST, port, rank, 3, Duration.ofSeconds(3)).close());
        assertTrue((System.nanoTime() - start) / 1e9 < 30);
        for (int r = 0; r < 2; r++) {
            Throwable f = failures.get(r);
            assertInstanceOf(DistributedException.class, f, "rank " + r);
            // Each rank reports its own timeout, or the one rank 0 hit first, relayed through the store: both name
            // the count, who arrived and who is missing.
            String m = f.getMessage();
            assertTrue(m.contains("rendezvous at " + HOST + ":" + port + ": only 2 of 3 ranks arrived after")
                    && m.contains("arrived [0, 1], missing [2]"), m);
            assertTrue(m.contains("rank " + r), m);
        }
    }

    @Test
    void differentWorldSizesFailFastOnEveryRank() throws Exception {
        int port = FreePort.pick();
        long start = System.nanoTime();
        // Rank 0 checks in first with WORLD_SIZE 2; rank 1 then arrives claiming 3.
        List<Throwable> failures = RankThreads.run(2, Duration.ofSeconds(60), rank -> {
            if (rank == 1) {
                Thread.sleep(500);
            }
            Rendezvous.join(HOST, port, rank, rank == 0 ? 2 : 3, Duration.ofSeconds(20)).close();
        });
        double waited = (System.nanoTime() - start) / 1e9;
        assertTrue(waited < 15, "the error should end the wait of rank 0 long before its 20 s timeout: " + waited);
        String m1 = failures.get(1).getMessage();
        assertTrue(m1.contains("rank 1 has WORLD_SIZE 3 but another rank already checked in with WORLD_SIZE 2"), m1);
        String m0 = failures.get(0).getMessage();
        assertTrue(m0.contains("aborted for rank 0 of 2 because another rank failed") && m0.contains("WORLD_SIZE 3"),
                m0);
    }

    @Test
    void duplicateRankIsCaught() throws Exception {
        int port = FreePort.pick();
        List<Throwable> failures = RankThreads.run(3, Duration.ofSeconds(60), thread -> {
            int rank = thread == 2 ? 1 : thread;
            if (thread == 2) {
                Thread.sleep(500);
            }
            Rendezvous.join(HOST, port, rank, 3, Duration.ofSeconds(20)).close();
        });
        String m = failures.get(2).getMessage();
        assertTrue(m.contains("rank 1 was claimed twice"), m);
        assertTrue(failures.get(0).getMessage().contains("another rank failed"), failures.get(0).getMessage());
    }

    @Test
    void singleRankNeedsNobody() {
        try (Rendezvous r = Rendezvous.join(HOST, FreePort.pick(), 0, 1, Duration.ofSeconds(5))) {
            assertNull(null);
            assertEquals(0, r.rank());
        }
    }
}
