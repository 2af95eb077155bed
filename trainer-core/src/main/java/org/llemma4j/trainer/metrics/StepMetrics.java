package org.llemma4j.trainer.metrics;

/**
 * What one logged optimizer step reports, on the console and as one line of {@code metrics.jsonl}.
 *
 * @param step          optimizer steps completed (1-based)
 * @param loss          mean training loss over the step's micro-batches
 * @param lr            learning rate the step used
 * @param gradNorm      global gradient L2 norm before clipping
 * @param tokensPerSec  training tokens per second over the logging interval, all ranks
 * @param mfu           model FLOPs utilization against the measured peak (see {@link FlopsModel})
 * @param stepTimeS     mean wall time of one step over the logging interval
 * @param rssBytes      resident memory of this process
 * @param peakRssBytes  peak resident memory of this process
 * @param etaS          estimated seconds to train_iters
 * @param skippedSteps  steps skipped so far for a non-finite gradient
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSec, double mfu,
                          double stepTimeS, long rssBytes, long peakRssBytes, double etaS, long skippedSteps) {

    /** The console line. */
    public String format() {
        return String.format("step %6d | loss %.4f | lr %.3e | grad_norm %.3f | %,.0f tok/s | mfu %.1f%% | "
                        + "%.3f s/step | rss %.0f MB (peak %.0f) | eta %s%s",
                step, loss, lr, gradNorm, tokensPerSec, 100 * mfu, stepTimeS, rssBytes / 1e6, peakRssBytes / 1e6,
                formatDuration(etaS), skippedSteps > 0 ? " | skipped " + skippedSteps : "");
    }

    private static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
