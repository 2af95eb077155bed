package org.llemma4j.runtime.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Check 5, with two devices: (a) the checks' run on 2 data-parallel ranks (NCCL on CUDA, Gloo on the CPU), whose
 * loss must fall; (b) fp32 with tensor parallelism over 2 ranks against one rank: the same model split in two
 * differs from the whole only in summation order, so the losses agree within 1e-4 relative. On the CPU it runs with
 * 2 Gloo ranks, which is how it is tested without a GPU.
 */
final class MultiRankCheck {

    static final double TP_BOUND = 1e-4;

    private MultiRankCheck() {
    }

    static List<CheckResult> run(CheckSettings settings, RankLauncher launcher) {
        String backend = settings.onCuda() ? "NCCL" : "Gloo";
        String dpTitle = "2 data-parallel ranks over " + backend + ", " + CheckSettings.STEPS + " steps";
        String tpTitle = "fp32, tensor parallel over 2 ranks against 1, " + CheckSettings.STEPS + " steps";
        if (settings.onCuda() && settings.devices() < 2) {
            String why = "needs 2 CUDA devices, this node has " + settings.devices();
            return List.of(CheckResult.skipped("5a", dpTitle, why), CheckResult.skipped("5b", tpTitle, why));
        }
        return List.of(dataParallel(settings, launcher, dpTitle), tensorParallel(settings, launcher, tpTitle));
    }

    private static CheckResult dataParallel(CheckSettings settings, RankLauncher launcher, String title) {
        try {
            List<Double> losses = ranks(settings, launcher, "check5-dp2", List.of("model_parallel_size=1"));
            boolean falls = Losses.falls(losses);
            return CheckResult.of("5a", title, falls, "loss " + Losses.span(losses)
                    + (falls ? " (falls)" : " (does not fall by " + (int) (Losses.MIN_FALL * 100) + "%)"));
        } catch (RuntimeException e) {
            return CheckResult.failed("5a", title, e);
        }
    }

    private static CheckResult tensorParallel(CheckSettings settings, RankLauncher launcher, String title) {
        try {
            List<Double> one = CheckTraining.losses(settings, "check5-tp1", settings.device(),
                    List.of("precision=fp32", "model_parallel_size=1"));
            List<Double> two = ranks(settings, launcher, "check5-tp2",
                    List.of("precision=fp32", "model_parallel_size=2"));
            double difference = Losses.maxRelativeDifference(one, two);
            return CheckResult.of("5b", title, difference <= TP_BOUND, String.format(Locale.ROOT,
                    "largest relative loss difference %s (bound %.0e), loss %s", Losses.relative(difference),
                    TP_BOUND, Losses.span(two)));
        } catch (RuntimeException e) {
            return CheckResult.failed("5b", title, e);
        }
    }

    /** Runs 2 ranks with the check's {@code keys} into a fresh {@code <workDir>/<name>}; rank 0's losses. */
    private static List<Double> ranks(CheckSettings settings, RankLauncher launcher, String name, List<String> keys) {
        Path out = settings.workDir().resolve(name).toAbsolutePath();
        try {
            deleteTree(out);                     // a loss file or checkpoint of an earlier check must not be read
            Files.createDirectories(out);
            List<String> all = new ArrayList<>(keys);
            all.add("save=" + out.resolve("checkpoints"));
            launcher.run(2, CheckRank.arguments(out, settings.configs(),
                    settings.overridesFor(settings.device(), all)));
            return CheckRank.readLosses(out);
        } catch (IOException e) {
            throw new UncheckedIOException("check run directory " + out + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
