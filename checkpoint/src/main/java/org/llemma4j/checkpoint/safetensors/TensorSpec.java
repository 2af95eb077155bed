package org.llemma4j.checkpoint.safetensors;

import java.util.Arrays;

/**
 * A tensor as a writer declares it before any data exists: name, dtype and shape. The writer lays out the whole
 * file from these, so it can stream each tensor to its final place.
 */
public record TensorSpec(String name, SafetensorsDtype dtype, long[] shape) {

    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tensor needs a non-empty name");
        }
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name " + name + " is reserved for the header's metadata");
        }
        shape = shape.clone();
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("tensor " + name + " has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
        }
    }

    /** Elements of the tensor. */
    public long numel() {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    /** Bytes of the tensor's data. */
    public long byteSize() {
        return Math.multiplyExact(numel(), dtype.bytes());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
