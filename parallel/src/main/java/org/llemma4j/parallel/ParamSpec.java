package org.llemma4j.parallel;

import java.util.Arrays;

/**
 * A parameter of a model as declared before any data exists: its name (Hugging Face's, e.g.
 * {@code model.layers.3.self_attn.q_proj.weight}), its whole (unsplit) shape, and how tensor parallelism splits it.
 * The model allocates from it, checkpoints index and reshard by it, and Hugging Face import and export check the
 * files against it: one record for all of them, so that the three cannot disagree on a shape.
 *
 * @param name      the parameter's name
 * @param fullShape the whole tensor's shape, before tensor-parallel splitting
 * @param shardDim  how the tensor-parallel ranks split it (evenly: rank r holds block r of tp)
 */
public record ParamSpec(String name, long[] fullShape, ShardDim shardDim) {

    public ParamSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a parameter needs a non-empty name");
        }
        fullShape = fullShape.clone();
        for (long s : fullShape) {
            if (s < 0) {
                throw new IllegalArgumentException("parameter " + name + " has a negative dimension in shape "
                        + Arrays.toString(fullShape));
            }
        }
        if (shardDim != ShardDim.REPLICATED && shardDim.dim() >= fullShape.length) {
            throw new IllegalArgumentException("parameter " + name + " of shape " + Arrays.toString(fullShape)
                    + " has no dimension " + shardDim.dim() + " to split (" + shardDim + ")");
        }
    }

    @Override
    public long[] fullShape() {
        return fullShape.clone();
    }

    /** Elements of the whole tensor. */
    public long numel() {
        return product(fullShape);
    }

    /**
     * The shape of the block one rank holds at tensor-parallel degree {@code tp}: the whole shape when replicated.
     *
     * @throws IllegalArgumentException naming the parameter, its shape and tp when tp does not divide it
     */
    public long[] localShape(int tp) {
        if (tp < 1) {
            throw new IllegalArgumentException("tensor-parallel degree must be >= 1, got " + tp);
        }
        long[] shape = fullShape.clone();
        if (shardDim != ShardDim.REPLICATED) {
            int d = shardDim.dim();
            if (shape[d] % tp != 0) {
                throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(fullShape)
                        + ": dimension " + d + " of size " + shape[d] + " is not divisible by tp " + tp);
            }
            shape[d] /= tp;
        }
        return shape;
    }

    /** Elements of the block one rank holds at tensor-parallel degree {@code tp}. */
    public long localNumel(int tp) {
        return product(localShape(tp));
    }

    private static long product(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSpec p && p.name.equals(name) && Arrays.equals(p.fullShape, fullShape)
                && p.shardDim == shardDim;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(fullShape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(fullShape) + " " + shardDim;
    }
}
