package org.llemma4j.trainer.zero;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A contiguous range of the fp32 gradient buffer that is reduced over the data-parallel group as one collective
 * once the backward pass has produced the gradients of every parameter it overlaps.
 *
 * @param offset first element in the flat buffer
 * @param length elements
 * @param owner  with ZeRO stage 1, the data-parallel rank whose optimizer shard holds the range (the reduction is
 *               a sum into that rank); without ZeRO, -1 (the reduction is an all-reduce)
 */
record GradientBucket(long offset, long length, int owner) {

    GradientBucket {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("gradient bucket [" + offset + ", " + (offset + length)
                    + ") is empty or negative");
        }
    }

    long end() {
        return offset + length;
    }

    /**
     * The buckets of a flat buffer of {@code padded} elements whose first {@code decayed} elements take weight
     * decay, in the order they are reduced. No bucket holds more than {@code maxElements} elements, none crosses
     * the decayed/undecayed boundary and, with {@code zeroShards > 1}, none crosses a shard boundary (each then has
     * one owner). DeepSpeed's ZeRO-1/2 reduces its buckets the same way: one reduce per owning rank.
     *
     * <p>The order follows the backward pass, every rank the same (collectives are matched by order): the decayed
     * matrices from the end of the buffer to its start (output layer first, embedding last), then the norm weights,
     * which sit after all matrices in the buffer but receive their gradients layer by layer, so only the last of
     * them completes that small range.
     */
    static List<GradientBucket> plan(long padded, long decayed, int zeroShards, long maxElements) {
        if (maxElements < 1) {
            throw new IllegalArgumentException("zero_optimization.reduce_bucket_size must be at least 1, got "
                    + maxElements);
        }
        if (padded % zeroShards != 0) {
            throw new IllegalArgumentException("the padded parameter buffer of " + padded
                    + " elements does not split into " + zeroShards + " equal shards");
        }
        List<Long> cuts = new ArrayList<>(List.of(0L, decayed, padded));
        long shard = padded / zeroShards;
        for (int r = 1; r < zeroShards; r++) {
            cuts.add(r * shard);
        }
        List<Long> sorted = cuts.stream().distinct().sorted().toList();
        List<GradientBucket> matrices = new ArrayList<>();
        List<GradientBucket> norms = new ArrayList<>();
        for (int i = 0; i + 1 < sorted.size(); i++) {
            long from = sorted.get(i);
            long to = sorted.get(i + 1);
            // Equal pieces rather than full ones and a remainder: no tiny collective at the end of a segment.
            long pieces = (to - from + maxElements - 1) / maxElements;
            for (long k = 0; k < pieces; k++) {
                long a = from + (to - from) * k / pieces;
                long b = from + (to - from) * (k + 1) / pieces;
                int owner = zeroShards > 1 ? (int) (a / shard) : -1;
                (b <= decayed ? matrices : norms).add(new GradientBucket(a, b - a, owner));
            }
        }
        Comparator<GradientBucket> backwards = Comparator.comparingLong(GradientBucket::offset).reversed();
        List<GradientBucket> order = new ArrayList<>(matrices.stream().sorted(backwards).toList());
        order.addAll(norms.stream().sorted(backwards).toList());
        return order;
    }
}
