package org.llemma4j.launch.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One child JVM running one rank, and the thread that copies its output (stdout and stderr merged, so their lines
 * keep their order) to the supervisor's stream with a {@code [rank N]} prefix, keeping the last lines for the
 * failure report.
 */
final class RankProcess {

    /** Lines kept for the failure report. */
    static final int TAIL_LINES = 20;

    private final int rank;
    private final Process process;
    private final Thread pump;
    private final LineTail tail = new LineTail(TAIL_LINES);

    private RankProcess(int rank, Process process, PrintStream out) {
        this.rank = rank;
        this.process = process;
        this.pump = new Thread(() -> copyOutput(out), "rank-" + rank + "-output");
        this.pump.setDaemon(true);
        this.pump.start();
    }

    /** Starts the child with the torchrun variables of {@code rank} added to the inherited environment. */
    static RankProcess start(LaunchSpec spec, int localRank, int port, int attempt, PrintStream out) {
        int rank = spec.globalRank(localRank);
        List<String> command = new ArrayList<>();
        command.add(spec.javaBinary());
        command.addAll(spec.jvmArgs());
        if (!spec.classpath().isEmpty()) {
            command.add("-cp");
            command.add(spec.classpath());
        }
        command.add(spec.mainClass());
        command.addAll(spec.args());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (spec.workDir() != null) {
            pb.directory(spec.workDir().toFile());
        }
        Map<String, String> env = pb.environment();
        env.putAll(spec.extraEnv());
        env.put("RANK", Integer.toString(rank));
        env.put("LOCAL_RANK", Integer.toString(localRank));
        env.put("WORLD_SIZE", Integer.toString(spec.worldSize()));
        env.put("LOCAL_WORLD_SIZE", Integer.toString(spec.nprocPerNode()));
        env.put("GROUP_RANK", Integer.toString(spec.nodeRank()));
        env.put("MASTER_ADDR", spec.masterAddr());
        env.put("MASTER_PORT", Integer.toString(port));
        // torchelastic's name, so a training script can tell a restart (resume from the latest checkpoint).
        env.put("TORCHELASTIC_RESTART_COUNT", Integer.toString(attempt));
        try {
            return new RankProcess(rank, pb.start(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start rank " + rank + " (" + spec.javaBinary() + " "
                    + spec.mainClass() + "): " + e.getMessage(), e);
        }
    }

    private void copyOutput(PrintStream out) {
        String prefix = "[rank " + rank + "] ";
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                tail.add(line);
                synchronized (out) {
                    out.println(prefix + line);
                }
            }
        } catch (IOException e) {
            // The stream closes when the process is killed: nothing more to copy.
        }
    }

    int rank() {
        return rank;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitValue() {
        return process.exitValue();
    }

    /** Waits (bounded) until all output of the exited child has been copied, then returns its last lines. */
    List<String> lastLines(long waitMillis) {
        try {
            pump.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return tail.lines();
    }
}
