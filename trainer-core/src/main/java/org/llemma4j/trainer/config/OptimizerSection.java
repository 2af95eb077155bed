package org.llemma4j.trainer.config;

import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.optim.LrSchedule;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The optimizer section: AdamW's settings ({@code optimizer.*}, {@code weight_decay}, {@code gradient_clipping})
 * and the learning-rate schedule, with GPT-NeoX's alternative spellings ({@code warmup}, {@code decay_lr_to})
 * reduced into {@code warmup_iters} and {@code min_lr}.
 *
 * @param adamW    AdamW settings other than the learning rate
 * @param schedule the learning rate at every step
 */
public record OptimizerSection(AdamWSettings adamW, LrSchedule schedule) {

    /** Relative tolerance when min_lr and decay_lr_to x lr are both given and must agree. */
    private static final double MIN_LR_TOLERANCE = 1e-9;

    public OptimizerSection {
        Objects.requireNonNull(adamW, "adamW");
        Objects.requireNonNull(schedule, "schedule");
    }

    /** Reads the section; {@code lr_decay_iters} defaults to {@code trainIters}. */
    static OptimizerSection from(ParsedConfig p, long trainIters) {
        p.get(OPTIMIZER_TYPE);              // adam and adamw are both AdamW; read so the resolved view records it
        return new OptimizerSection(adamW(p), schedule(p, trainIters));
    }

    private static AdamWSettings adamW(ParsedConfig p) {
        List<Double> betas = p.get(BETAS);
        try {
            return new AdamWSettings(betas.get(0), betas.get(1), p.get(EPS), p.get(WEIGHT_DECAY),
                    p.get(GRADIENT_CLIPPING));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static LrSchedule schedule(ParsedConfig p, long trainIters) {
        double lr = p.get(LR);
        long decayIters = p.getOr(LR_DECAY_ITERS, () -> trainIters);
        if (p.isSet(WARMUP) && p.isSet(WARMUP_ITERS)) {
            throw new ConfigException("warmup " + p.get(WARMUP) + " and warmup_iters " + p.get(WARMUP_ITERS)
                    + " are two spellings of one setting: give only one");
        }
        long warmupIters = p.getOr(WARMUP_ITERS, () -> Math.round(p.get(WARMUP) * decayIters));
        double minLr = p.get(MIN_LR);
        if (p.isSet(DECAY_LR_TO)) {
            double fraction = p.get(DECAY_LR_TO);
            double fromFraction = fraction * lr;
            if (p.isSet(MIN_LR) && Math.abs(minLr - fromFraction)
                    > MIN_LR_TOLERANCE * Math.max(Math.abs(minLr), Math.abs(fromFraction))) {
                throw new ConfigException("min_lr " + minLr + " contradicts decay_lr_to " + fraction
                        + " x optimizer.params.lr " + lr + " = " + fromFraction + ": give only one");
            }
            minLr = p.use(MIN_LR, fromFraction);
        }
        LrSchedule.Style style = LrSchedule.Style.valueOf(p.get(LR_DECAY_STYLE).toUpperCase(Locale.ROOT));
        try {
            return new LrSchedule(lr, minLr, warmupIters, decayIters, style);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }
}
