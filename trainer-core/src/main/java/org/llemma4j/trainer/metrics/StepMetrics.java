package org.llemma4j.trainer.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What one logged optimizer step reports, on the console and as one line of {@code metrics.jsonl}.
 *
 * @param step          optimizer steps completed (1-based)
 * @param loss          mean training loss over the step's micro-batches
 * @param lr            learning rate the step used
 * @param gradNorm      global gradient L2 norm before clipping
 * @param tokensPerSec  training tokens per second over the logging interval, all ranks
 * @param tokensPerSecPerRank  the same divided by the world size: the per-GPU figure that compares across layouts
 * @param mfu           model FLOPs utilization against the measured peak (see {@link FlopsModel})
 * @param stepTimeS     mean wall time of one step over the logging interval
 * @param commTimeS     of that, the mean time per step spent in collectives (gradient all-reduce, the loss
 *                      all-reduce), averaged over the ranks; 0 for a single process
 * @param rssBytes      resident memory of this process
 * @param peakRssBytes  peak resident memory of this process
 * @param etaS          estimated seconds to train_iters
 * @param skippedSteps  steps skipped so far for a non-finite gradient
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSec,
                          double tokensPerSecPerRank, double mfu,
                          double stepTimeS, double commTimeS, long rssBytes, long peakRssBytes, double etaS,
                          long skippedSteps) {

    /** The console line. */
    public String format() {
        return String.format("step %6d | loss %.4f | lr %.3e | grad_norm %.3f | %,.0f tok/s (%,.0f per rank) | mfu %.1f%% | "
                        + "%.3f s/step | comm %.3f s (%.1f%%) | rss %.0f MB (peak %.0f) | eta %s%s",
                step, loss, lr, gradNorm, tokensPerSec, tokensPerSecPerRank, 100 * mfu, stepTimeS, commTimeS, 100 * commFraction(),
                rssBytes / 1e6, peakRssBytes / 1e6, formatDuration(etaS),
                skippedSteps > 0 ? " | skipped " + skippedSteps : "");
    }

    /** The share of the step time spent in collectives ({@code comm_fraction} in metrics.jsonl). */
    @JsonProperty("comm_fraction")
    public double commFraction() {
        return stepTimeS > 0 ? commTimeS / stepTimeS : 0;
    }

    private static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
