package org.llemma4j.launch.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorTest {

    private static final String CHILD = SupervisedChild.class.getName();

    /** A print stream the test can read while the supervisor writes to it. */
    private static final class Capture {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            synchronized (stream) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static LaunchSpec spec(List<String> args, int nproc) {
        // Small heaps and no JIT tiers beyond C1: the children only print and wait, and start faster so.
        return LaunchSpec.local(CHILD, args, nproc).withGracePeriod(Duration.ofSeconds(3))
                .withJvmArgs(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    }

    private static List<Long> pidsIn(String text, String label) {
        List<Long> pids = new ArrayList<>();
        Matcher m = Pattern.compile(label + " (\\d+)").matcher(text);
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }

    private static void assertAllDead(List<Long> pids, String text) {
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "process " + pid + " is still alive; output:\n" + text);
        }
    }

    @Test
    void nonZeroExitOfRank1StopsTheOthersAndNamesIt(@TempDir Path markers) {
        Capture out = new Capture();
        long start = System.nanoTime();
        SupervisorResult result = new Supervisor(spec(List.of("exit-on-rank", "1", "3", markers.toString()), 3),
                out.stream).run();
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = out.text();
        assertTrue(seconds < 30, "took " + seconds + " s");
        assertEquals(3, result.exitCode(), result.message());
        assertEquals(1, result.failedRank());
        assertTrue(result.message().startsWith("rank 1 (local rank 1) failed with exit status 3"), result.message());
        assertTrue(result.message().contains("[rank 1] about to fail"), result.message());
        assertTrue(text.contains("[rank 0] started pid") && text.contains("[rank 2] started pid"), text);
        List<Long> pids = pidsIn(text, "started pid");
        assertEquals(3, pids.size(), text);
        assertAllDead(pids, text);
    }

    @Test
    void sigkillOfOneRankStopsEveryProcessIncludingHelpers() throws Exception {
        Capture out = new Capture();
        Supervisor supervisor = new Supervisor(spec(List.of("wait-with-helper"), 2), out.stream);
        CompletableFuture<SupervisorResult> run = CompletableFuture.supplyAsync(supervisor::run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pidsIn(out.text(), "helper pid").size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String before = out.text();
        assertEquals(2, pidsIn(before, "helper pid").size(), before);
        Thread.sleep(1200); // let the supervisor list the helpers (it scans every 0.5 s)
        long start = System.nanoTime();
        ProcessHandle rank1 = supervisor.children().get(1);
        assertTrue(rank1.destroyForcibly(), "SIGKILL to rank 1");
        SupervisorResult result = run.get(30, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = out.text();
        assertTrue(seconds < 30, "took " + seconds + " s");
        assertNotEquals(0, result.exitCode());
        assertEquals(1, result.failedRank(), result.message());
        assertTrue(result.message().contains("rank 1 (local rank 1) failed with exit status 137 (killed by signal 9"),
                result.message());
        List<Long> pids = new ArrayList<>(pidsIn(text, "started pid"));
        pids.addAll(pidsIn(text, "helper pid"));
        assertEquals(4, pids.size(), text);
        assertAllDead(pids, text);
    }

    @Test
    void freePortIsPickedAndTheContractIsSet() {
        Capture out = new Capture();
        SupervisorResult result = new Supervisor(spec(List.of("print-env"), 2), out.stream).run();
        String text = out.text();
        assertEquals(0, result.exitCode(), result.message() + "\n" + text);
        Matcher port = Pattern.compile("\\[rank 0\\] MASTER_PORT=(\\d+)").matcher(text);
        assertTrue(port.find(), text);
        int p = Integer.parseInt(port.group(1));
        assertTrue(p > 0 && p <= 65535, "port " + p);
        assertTrue(text.contains("[rank 1] MASTER_PORT=" + p), text);
        for (int r = 0; r < 2; r++) {
            assertTrue(text.contains("[rank " + r + "] RANK=" + r), text);
            assertTrue(text.contains("[rank " + r + "] LOCAL_RANK=" + r), text);
            assertTrue(text.contains("[rank " + r + "] WORLD_SIZE=2"), text);
            assertTrue(text.contains("[rank " + r + "] LOCAL_WORLD_SIZE=2"), text);
            assertTrue(text.contains("[rank " + r + "] MASTER_ADDR=127.0.0.1"), text);
        }
    }

    @Test
    void secondNodeOfTwoGetsTheGlobalRanksAndTheGivenMaster() {
        Capture out = new Capture();
        LaunchSpec spec = spec(List.of("print-env"), 2).onNodes(2, 1, "127.0.0.1", 29123);
        SupervisorResult result = new Supervisor(spec, out.stream).run();
        String text = out.text();
        assertEquals(0, result.exitCode(), result.message() + "\n" + text);
        for (int local = 0; local < 2; local++) {
            int rank = 2 + local;
            assertTrue(text.contains("[rank " + rank + "] RANK=" + rank), text);
            assertTrue(text.contains("[rank " + rank + "] LOCAL_RANK=" + local), text);
            assertTrue(text.contains("[rank " + rank + "] WORLD_SIZE=4"), text);
            assertTrue(text.contains("[rank " + rank + "] LOCAL_WORLD_SIZE=2"), text);
            assertTrue(text.contains("[rank " + rank + "] MASTER_PORT=29123"), text);
        }
        assertTrue(text.contains("[supervisor] starting 2 ranks (2..3 of world 4), master 127.0.0.1:29123"), text);
    }

    @Test
    void restartRunsAllRanksAgainAfterAFailure() {
        Capture out = new Capture();
        SupervisorResult result = new Supervisor(spec(List.of("fail-first-attempt", "0"), 2).withMaxRestarts(1),
                out.stream).run();
        String text = out.text();
        assertEquals(0, result.exitCode(), result.message() + "\n" + text);
        assertEquals(1, result.restarts());
        assertTrue(text.contains("[rank 0] failing on attempt 0"), text);
        assertTrue(text.contains("restarting all 2 local ranks (restart 1 of 1)"), text);
        assertTrue(text.contains("[rank 0] attempt 1 ok") && text.contains("[rank 1] attempt 1 ok"), text);
    }

    @Test
    void withoutRestartsTheFailureIsReturned() {
        Capture out = new Capture();
        SupervisorResult result = new Supervisor(spec(List.of("fail-first-attempt", "1"), 2), out.stream).run();
        assertEquals(3, result.exitCode());
        assertEquals(0, result.restarts());
        assertEquals(1, result.failedRank());
        assertTrue(result.failedRankTail().get(0).startsWith("started pid"), result.failedRankTail().toString());
        assertTrue(result.failedRankTail().contains("failing on attempt 0"), result.failedRankTail().toString());
    }

    @Test
    void exitStatusesAreDescribed() {
        assertEquals("exit status 3", Supervisor.describe(3));
        assertEquals("exit status 137 (killed by signal 9, SIGKILL; out of memory?)", Supervisor.describe(137));
        assertEquals("exit status 143 (killed by signal 15, SIGTERM)", Supervisor.describe(143));
    }

    @Test
    void sigtermToTheSupervisorStopsItsRanksAndTheirHelpers() throws Exception {
        List<String> cmd = List.of(LaunchSpec.currentJava(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                SupervisorMainForTest.class.getName(), "wait-with-helper");
        Process supervisor = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder text = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(supervisor.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (text) {
                        text.append(line).append('\n');
                    }
                }
            } catch (java.io.IOException ignored) {
                // the supervisor is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String seen = "";
            while (pidsIn(seen, "helper pid").size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                synchronized (text) {
                    seen = text.toString();
                }
            }
            assertEquals(2, pidsIn(seen, "helper pid").size(), seen);
            supervisor.destroy(); // SIGTERM, as from kill or a scheduler's cancel
            assertTrue(supervisor.waitFor(30, TimeUnit.SECONDS), "supervisor still running after SIGTERM");
            reader.join(5000);
            String all;
            synchronized (text) {
                all = text.toString();
            }
            List<Long> pids = new ArrayList<>(pidsIn(all, "started pid"));
            pids.addAll(pidsIn(all, "helper pid"));
            assertEquals(4, pids.size(), all);
            assertAllDead(pids, all);
        } finally {
            supervisor.destroyForcibly();
        }
    }

    @Test
    void supervisedRanksRendezvousAndAllReduceOverGloo() {
        Capture out = new Capture();
        LaunchSpec spec = LaunchSpec.local(SupervisedCollectiveChild.class.getName(), List.of(), 2)
                .withGracePeriod(Duration.ofSeconds(3)).withJvmArgs(List.of("-Xmx512m"));
        SupervisorResult result = new Supervisor(spec, out.stream).run();
        String text = out.text();
        assertEquals(0, result.exitCode(), result.message() + "\n" + text);
        assertTrue(text.contains("[rank 0] sum 24.0 expected 24.0") && text.contains("[rank 1] sum 24.0 expected 24.0"),
                text);
    }
}
