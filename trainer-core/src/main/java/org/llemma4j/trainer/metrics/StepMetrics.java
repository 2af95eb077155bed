package org.llemma4j.trainer.metrics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.llemma4j.parallel.device.MemoryStats;

/**
 * What one logged optimizer step reports, on the console and as one line of {@code metrics.jsonl}.
 *
 * @param step          optimizer steps completed (1-based)
 * @param loss          mean training loss over the step's micro-batches
 * @param lr            learning rate the step used
 * @param gradNorm      global gradient L2 norm before clipping
 * @param tokensPerSec  training tokens per second over the logging interval, all ranks
 * @param tokensPerSecPerRank  the same divided by the world size: the per-GPU figure that compares across layouts
 * @param mfu           model FLOPs utilization against the device's peak (see {@link FlopsModel})
 * @param stepTimeS     mean wall time of one step over the logging interval
 * @param commTimeS     of that, the mean time per step spent in collectives (gradient all-reduce, the loss
 *                      all-reduce), averaged over the ranks; 0 for a single process
 * @param memory        this rank's device memory at the log point: the process's resident set on the CPU, the
 *                      caching allocator's allocated and reserved bytes on CUDA ({@link #fields()} names them)
 * @param etaS          estimated seconds to train_iters
 * @param skippedSteps  steps skipped so far for a non-finite gradient
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double tokensPerSec,
                          double tokensPerSecPerRank, double mfu, double stepTimeS, double commTimeS,
                          MemoryStats memory, double etaS, long skippedSteps) {

    public StepMetrics {
        if (memory == null) {
            throw new IllegalArgumentException("step " + step + ": memory statistics must be given");
        }
    }

    /** The console line. */
    public String format() {
        return String.format(Locale.ROOT, "step %6d | loss %.4f | lr %.3e | grad_norm %.3f"
                + " | %,.0f tok/s (%,.0f per rank) | mfu %.1f%% | %.3f s/step | comm %.3f s (%.1f%%)%s | eta %s%s",
                step, loss, lr, gradNorm, tokensPerSec, tokensPerSecPerRank, 100 * mfu, stepTimeS, commTimeS,
                100 * commFraction(), formatMemory(), formatDuration(etaS),
                skippedSteps > 0 ? " | skipped " + skippedSteps : "");
    }

    /**
     * The line of {@code metrics.jsonl} (and TensorBoard's tags), in this order. Memory has keys of its own per
     * source: {@code rss_bytes}, {@code peak_rss_bytes} for the CPU's resident set; {@code allocated_bytes},
     * {@code peak_allocated_bytes}, {@code reserved_bytes}, {@code peak_reserved_bytes} for the CUDA caching
     * allocator; none for the {@code meta} device.
     */
    public Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("step", step);
        f.put("loss", loss);
        f.put("lr", lr);
        f.put("grad_norm", gradNorm);
        f.put("tokens_per_sec", tokensPerSec);
        f.put("tokens_per_sec_per_rank", tokensPerSecPerRank);
        f.put("mfu", mfu);
        f.put("step_time_s", stepTimeS);
        f.put("comm_time_s", commTimeS);
        switch (memory.source()) {
            case PROCESS_RESIDENT -> {
                f.put("rss_bytes", memory.currentBytes());
                f.put("peak_rss_bytes", memory.peakBytes());
            }
            case CUDA_CACHING_ALLOCATOR -> {
                f.put("allocated_bytes", memory.currentBytes());
                f.put("peak_allocated_bytes", memory.peakBytes());
                f.put("reserved_bytes", memory.reservedBytes());
                f.put("peak_reserved_bytes", memory.peakReservedBytes());
            }
            case NONE -> {
                // the meta device allocates nothing: no memory keys
            }
        }
        f.put("eta_s", etaS);
        f.put("skipped_steps", skippedSteps);
        f.put("comm_fraction", commFraction());
        return f;
    }

    /** The share of the step time spent in collectives ({@code comm_fraction} in metrics.jsonl). */
    public double commFraction() {
        return stepTimeS > 0 ? commTimeS / stepTimeS : 0;
    }

    private String formatMemory() {
        return switch (memory.source()) {
            case PROCESS_RESIDENT -> String.format(Locale.ROOT, " | rss %.0f MB (peak %.0f)",
                    memory.currentBytes() / 1e6, memory.peakBytes() / 1e6);
            case CUDA_CACHING_ALLOCATOR -> String.format(Locale.ROOT,
                    " | mem %.0f MB allocated (peak %.0f), %.0f MB reserved (peak %.0f)", memory.currentBytes() / 1e6,
                    memory.peakBytes() / 1e6, memory.reservedBytes() / 1e6, memory.peakReservedBytes() / 1e6);
            case NONE -> "";
        };
    }

    private static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}
