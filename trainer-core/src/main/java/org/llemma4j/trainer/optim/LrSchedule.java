package org.llemma4j.trainer.optim;

/**
 * The learning rate at each iteration: linear warmup from 0 to the peak over {@code warmupIters}, then a decay to
 * {@code minLr} at {@code decayIters}, flat after that. GPT-NeoX's {@code AnnealingLR} with the same settings.
 *
 * @param peakLr     {@code optimizer.params.lr}
 * @param minLr      {@code min_lr}, or {@code decay_lr_to x lr}
 * @param warmupIters {@code warmup_iters}, or {@code warmup x lr_decay_iters}
 * @param decayIters {@code lr_decay_iters}
 * @param style      {@code lr_decay_style}
 */
public record LrSchedule(double peakLr, double minLr, long warmupIters, long decayIters, Style style) {

    /** {@code lr_decay_style} values. */
    public enum Style { CONSTANT, LINEAR, COSINE }

    public LrSchedule {
        if (!(peakLr >= 0)) {
            throw new IllegalArgumentException("optimizer.params.lr must be >= 0, got " + peakLr);
        }
        if (!(minLr >= 0 && minLr <= peakLr)) {
            throw new IllegalArgumentException("min_lr " + minLr + " must be in [0, lr " + peakLr + "]");
        }
        if (warmupIters < 0) {
            throw new IllegalArgumentException("warmup_iters must be >= 0, got " + warmupIters);
        }
        if (decayIters <= 0) {
            throw new IllegalArgumentException("lr_decay_iters must be > 0, got " + decayIters);
        }
        if (warmupIters > decayIters) {
            throw new IllegalArgumentException("warmup_iters " + warmupIters + " exceeds lr_decay_iters "
                    + decayIters);
        }
    }

    /** The learning rate used by the optimizer step that ends iteration {@code step} (0-based). */
    public double lrAt(long step) {
        if (warmupIters > 0 && step <= warmupIters) {
            return peakLr * step / warmupIters;
        }
        if (style == Style.CONSTANT) {
            return peakLr;
        }
        if (step >= decayIters) {
            return minLr;
        }
        double progress = (double) (step - warmupIters) / (decayIters - warmupIters);
        double coefficient = switch (style) {
            case LINEAR -> 1.0 - progress;
            case COSINE -> 0.5 * (Math.cos(Math.PI * progress) + 1.0);
            case CONSTANT -> 1.0;
        };
        return minLr + (peakLr - minLr) * coefficient;
    }
}
