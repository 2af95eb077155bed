package org.llemma4j.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Helpers of the multi-process runs: per-step losses from metrics.jsonl, rank processes, output files. */
final class CheckpointRuns {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointRuns() {
    }

    /**
     * step -> loss from {@code metrics.jsonl} (log_interval 1), the last occurrence of each step winning: a
     * resumed run appends the steps it repeats.
     */
    static TreeMap<Integer, Double> losses(Path runDir) throws IOException {
        TreeMap<Integer, Double> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            if (r.has("step") && r.has("loss")) {
                out.put(r.get("step").asInt(), r.get("loss").asDouble());
            }
        }
        return out;
    }

    /** {@code launch} with {@code args} in a JVM whose files may not grow beyond {@code maxFileKb} KB. */
    static Process launchWithFileSizeLimit(List<String> args, Path output, long maxFileKb) throws IOException {
        // HotSpot ignores SIGXFSZ, so a write past RLIMIT_FSIZE fails with EFBIG ("File too large"): to the
        // writer, the same as a full disk, at the same place in the same file of every save.
        List<String> command = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + maxFileKb + " && exec \"$@\"",
                "bash", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.llemma4j.launch.Launch"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** The child JVM of the supervisor whose environment says RANK=rank (read from /proc). */
    static ProcessHandle rankProcess(Process supervisor, int rank) throws IOException {
        for (ProcessHandle child : supervisor.children().toList()) {
            String environ = Files.readString(Path.of("/proc", Long.toString(child.pid()), "environ"));
            if (List.of(environ.split("\0")).contains("RANK=" + rank)) {
                return child;
            }
        }
        throw new AssertionError("no child of the supervisor has RANK=" + rank);
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    static List<String> withNproc(List<String> trainArgs, String... more) {
        List<String> args = new ArrayList<>(trainArgs);
        args.addAll(List.of("--nproc-per-node", "2"));
        args.addAll(List.of(more));
        return args;
    }
}
