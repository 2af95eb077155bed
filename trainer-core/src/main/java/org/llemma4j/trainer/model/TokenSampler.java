package org.llemma4j.trainer.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/** Picks the next token from one position's logits: greedy, or temperature and top-p (nucleus) sampling. */
public final class TokenSampler {

    private final GenerationSettings settings;
    private final Random random;

    public TokenSampler(GenerationSettings settings) {
        this.settings = settings;
        this.random = new Random(settings.seed());
    }

    /** logits: one position's scores over the vocabulary -> the chosen id. */
    public int next(float[] logits) {
        return settings.isGreedy() ? argmax(logits) : sample(logits);
    }

    /** The index of the largest logit; the lowest index among equal ones (so the choice is deterministic). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int sample(float[] logits) {
        double max = logits[argmax(logits)];
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / settings.temperature());
            sum += p[i];
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // most likely first; ties by id, so the nucleus does not depend on the sort's stability
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -p[i]).thenComparingInt(i -> i));
        int kept = 0;
        double cumulative = 0;
        while (kept < order.length && (kept == 0 || cumulative < settings.topP() * sum)) {
            cumulative += p[order[kept++]];
        }
        double u = random.nextDouble() * cumulative;
        for (int j = 0; j < kept; j++) {
            u -= p[order[j]];
            if (u < 0) {
                return order[j];
            }
        }
        return order[kept - 1];
    }
}
