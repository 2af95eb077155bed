package org.llemma4j.trainer.model;

/**
 * How {@link LlamaGenerator#generate} picks tokens.
 *
 * @param maxNewTokens  tokens to generate at most (fewer when {@code eosId} comes first)
 * @param temperature   0: greedy (the most likely token, deterministic); above 0: sample from softmax(logits / T)
 * @param topP          nucleus sampling: sample only among the most likely tokens whose probabilities add up to at
 *                      least this (1: the whole vocabulary); ignored when greedy
 * @param seed          seed of the sampler's random numbers: the same seed gives the same sample
 * @param eosId         generation stops after this token; -1: never stops early
 */
public record GenerationSettings(int maxNewTokens, double temperature, double topP, long seed, int eosId) {

    public GenerationSettings {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 (0 is greedy), got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens, never stopping early. */
    public static GenerationSettings greedy(int maxNewTokens) {
        return new GenerationSettings(maxNewTokens, 0, 1, 0, -1);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
