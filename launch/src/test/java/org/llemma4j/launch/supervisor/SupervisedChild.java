package org.llemma4j.launch.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The main class the supervisor tests launch as ranks. Every wait is bounded (60 s), so a child that the supervisor
 * failed to stop still ends by itself, and the test that let it live fails on the survivor check first.
 *
 * <p>Modes (first argument):
 * <ul>
 *   <li>{@code exit-on-rank R CODE DIR}: every rank creates {@code DIR/started-RANK}; rank R waits until all ranks
 *   have, then prints a line and exits with CODE; the others wait. The wait keeps a slow-starting rank from being
 *   stopped before it printed its pid, which the test counts.</li>
 *   <li>{@code wait-with-helper}: starts a helper process ({@code sleep 60}), prints its pid and waits.</li>
 *   <li>{@code print-env}: prints the torchrun variables and exits 0.</li>
 *   <li>{@code fail-first-attempt R}: rank R exits 3 on the first attempt; every rank exits 0 on a restart.</li>
 * </ul>
 */
public final class SupervisedChild {

    private SupervisedChild() {
    }

    public static void main(String[] args) throws Exception {
        int rank = Integer.parseInt(System.getenv("RANK"));
        int attempt = Integer.parseInt(System.getenv("TORCHELASTIC_RESTART_COUNT"));
        System.out.println("started pid " + ProcessHandle.current().pid());
        switch (args[0]) {
            case "exit-on-rank" -> {
                Path markers = Path.of(args[3]);
                Files.createFile(markers.resolve("started-" + rank));
                if (rank == Integer.parseInt(args[1])) {
                    int world = Integer.parseInt(System.getenv("WORLD_SIZE"));
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (countStarted(markers) < world && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    System.out.println("about to fail");
                    System.exit(Integer.parseInt(args[2]));
                }
                Thread.sleep(60_000);
            }
            case "wait-with-helper" -> {
                Process helper = new ProcessBuilder("sleep", "60").start();
                System.out.println("helper pid " + helper.pid());
                System.out.println("ready");
                Thread.sleep(60_000);
            }
            case "print-env" -> {
                for (String name : new String[] {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                        "MASTER_PORT"}) {
                    System.out.println(name + "=" + System.getenv(name));
                }
            }
            case "fail-first-attempt" -> {
                if (attempt == 0 && rank == Integer.parseInt(args[1])) {
                    System.err.println("failing on attempt " + attempt);
                    System.exit(3);
                }
                System.out.println("attempt " + attempt + " ok");
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static long countStarted(Path markers) throws IOException {
        try (Stream<Path> files = Files.list(markers)) {
            return files.filter(f -> f.getFileName().toString().startsWith("started-")).count();
        }
    }
}
