package org.llemma4j.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The keys and values of every position a generation has processed, per layer, so that each new token attends to
 * them without recomputing them: a step over T new tokens costs T positions, not the whole prefix.
 *
 * <p>Preallocated at its capacity, (B, kvHeads, capacity, headDim) per layer for K and for V (keys stored after
 * RoPE, at their absolute positions), and filled from the front. Close it to free them.
 */
public final class KvCache implements AutoCloseable {

    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();
    private final int capacity;
    private int length;

    /** A cache for {@code batch} sequences of up to {@code capacity} positions of a model with {@code config}. */
    public KvCache(LlamaConfig config, int batch, int capacity, ScalarType dtype) {
        if (capacity <= 0 || capacity > config.maxPositions()) {
            throw new IllegalArgumentException("a key-value cache of " + capacity + " positions does not fit "
                    + "max_position_embeddings " + config.maxPositions());
        }
        this.capacity = capacity;
        long[] shape = {batch, config.numKvHeads(), capacity, config.headDim()};
        for (int i = 0; i < config.numLayers(); i++) {
            Tensor k = torch.zeros(shape, new TensorOptions(dtype));
            Tensor v = torch.zeros(shape, new TensorOptions(dtype));
            k.retainReference();
            v.retainReference();
            keys.add(k);
            values.add(v);
        }
    }

    /** Positions filled so far: the absolute position of the next token. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Writes layer {@code layer}'s keys and values of {@code k.size(2)} new positions after the cached ones and
     * returns every cached position's keys and values, (B, kvHeads, length + new, d) each. {@link #advance} moves
     * the length once every layer has appended.
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        long added = k.size(2);
        if (length + added > capacity) {
            throw new IllegalStateException("key-value cache full: " + length + " + " + added + " positions exceed "
                    + "its capacity " + capacity);
        }
        keys.get(layer).narrow(2, length, added).copy_(k);
        values.get(layer).narrow(2, length, added).copy_(v);
        return new Tensor[] {keys.get(layer).narrow(2, 0, length + added),
                values.get(layer).narrow(2, 0, length + added)};
    }

    void advance(long added) {
        length += (int) added;
    }

    @Override
    public void close() {
        keys.forEach(Tensor::releaseReference);
        values.forEach(Tensor::releaseReference);
        keys.clear();
        values.clear();
    }
}
