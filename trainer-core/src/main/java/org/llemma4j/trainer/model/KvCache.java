package org.llemma4j.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.nn.AttentionCache;

/**
 * The keys and values of every position a generation has processed, per layer, so that each new token attends to
 * them without recomputing them: a step over T new tokens costs T positions, not the whole prefix.
 *
 * <p>Each layer's buffers, (B, kvHeads, capacity, headDim) for K and for V (keys stored after RoPE, at their absolute
 * positions), are allocated at the first step, like the keys it writes (their dtype, device and number of local KV
 * heads), and filled from the front. Close it to free them.
 */
public final class KvCache implements AutoCloseable {

    private final List<Tensor> keys = new ArrayList<>();       // per layer; null until the layer's first step
    private final List<Tensor> values = new ArrayList<>();
    private final int capacity;
    private int length;

    /** A cache of up to {@code capacity} positions of a model with {@code config}; the first step fixes the batch. */
    public KvCache(LlamaConfig config, int capacity) {
        if (capacity <= 0 || capacity > config.maxPositions()) {
            throw new IllegalArgumentException("a key-value cache of " + capacity + " positions does not fit "
                    + "max_position_embeddings " + config.maxPositions());
        }
        this.capacity = capacity;
        for (int i = 0; i < config.numLayers(); i++) {
            keys.add(null);
            values.add(null);
        }
    }

    /** Positions filled so far: the absolute position of the next token. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Decoder layer {@code layer}'s part of the cache, for its attention. */
    AttentionCache layer(int layer) {
        return new AttentionCache() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public KeysValues append(Tensor k, Tensor v) {
                return KvCache.this.append(layer, k, v);
            }
        };
    }

    /**
     * Writes layer {@code layer}'s keys and values of {@code k.size(2)} new positions after the cached ones and
     * returns every cached position's keys and values. {@link #advance} moves the length once every layer has
     * appended.
     */
    private AttentionCache.KeysValues append(int layer, Tensor k, Tensor v) {
        long added = k.size(2);
        if (length + added > capacity) {
            throw new IllegalStateException("key-value cache full: " + length + " + " + added + " positions exceed "
                    + "its capacity " + capacity);
        }
        if (keys.get(layer) == null) {
            keys.set(layer, buffer(k));
            values.set(layer, buffer(v));
        }
        keys.get(layer).narrow(2, length, added).copy_(k);
        values.get(layer).narrow(2, length, added).copy_(v);
        return new AttentionCache.KeysValues(keys.get(layer).narrow(2, 0, length + added),
                values.get(layer).narrow(2, 0, length + added));
    }

    // (B, kvHeads, capacity, d) zeros like `like` (B, kvHeads, T, d), owned by this cache until close().
    private Tensor buffer(Tensor like) {
        Tensor t = torch.zeros(new long[] {like.size(0), like.size(1), capacity, like.size(3)}, like.options());
        t.retainReference();
        return t;
    }

    void advance(long added) {
        length += (int) added;
    }

    @Override
    public void close() {
        for (List<Tensor> buffers : List.of(keys, values)) {
            for (Tensor t : buffers) {
                if (t != null) {
                    t.releaseReference();
                }
            }
            buffers.clear();
        }
    }
}
