package org.llemma4j.runtime.check;

import java.util.List;
import java.util.Locale;

/** Comparisons of per-step losses, the figures the checks report. */
final class Losses {

    /**
     * How much the last loss must be below the first for the loss to count as falling: 1%. A fresh model starts at
     * about ln(vocab) and the checks' 10 steps at the tiny config's learning rate take it down by several percent,
     * while noise between batches of a model that does not learn stays well below that.
     */
    static final double MIN_FALL = 0.01;

    private Losses() {
    }

    /**
     * The largest |b - a| / |a| over the steps; infinite when a loss is not finite on either side.
     *
     * @throws IllegalArgumentException when the runs have different step counts (one stopped early)
     */
    static double maxRelativeDifference(List<Double> reference, List<Double> other) {
        if (reference.size() != other.size() || reference.isEmpty()) {
            throw new IllegalArgumentException("the runs logged " + reference.size() + " and " + other.size()
                    + " step losses; a comparison needs the same number of steps, at least one");
        }
        double worst = 0;
        for (int i = 0; i < reference.size(); i++) {
            double a = reference.get(i);
            double b = other.get(i);
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, Math.abs(b - a) / Math.abs(a));
        }
        return worst;
    }

    /** Whether every loss is finite and the last is at least {@link #MIN_FALL} below the first. */
    static boolean falls(List<Double> losses) {
        if (losses.size() < 2 || losses.stream().anyMatch(l -> !Double.isFinite(l))) {
            return false;
        }
        return losses.get(losses.size() - 1) <= losses.get(0) * (1 - MIN_FALL);
    }

    /** {@code "10.374 -> 8.912"}: the first and the last loss. */
    static String span(List<Double> losses) {
        if (losses.isEmpty()) {
            return "no steps";
        }
        return String.format(Locale.ROOT, "%.4f -> %.4f", losses.get(0), losses.get(losses.size() - 1));
    }

    /** A relative difference as the lines print it: {@code 0} exactly, else {@code 3.1e-06}. */
    static String relative(double difference) {
        return difference == 0 ? "0 (identical)" : String.format(Locale.ROOT, "%.1e", difference);
    }
}
