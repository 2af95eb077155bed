package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * One attention layer's keys and values of the positions processed before the current step, so that generation
 * feeds only the new tokens: they are rotated at their absolute positions (offset by {@link #length()}), their keys
 * and values appended, and they attend to every cached position and to each other causally.
 */
public interface AttentionCache {

    /** Positions cached before the current step: the absolute position of its first token. */
    long length();

    /**
     * Stores the new positions' keys (after RoPE) and values, k and v: (B, kvHeads, T, d), after the cached ones.
     *
     * @return the keys and values of every position so far, (B, kvHeads, length + T, d) each
     */
    KeysValues append(Tensor k, Tensor v);

    /** Keys and values of the cached positions followed by the new ones. */
    record KeysValues(Tensor keys, Tensor values) {
    }
}
