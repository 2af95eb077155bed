package org.llemma4j.trainer.tp;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * The vocabulary rows one tensor-parallel rank holds of a vocab-parallel weight (the token embedding, the output
 * layer): the contiguous range [first, first + size), and the masking of the token ids that fall outside it.
 *
 * <p>Both vocab-parallel computations use it the same way: ids outside the range ("foreign") are looked up as local
 * row 0, a valid row, and whatever that produced is zeroed; another rank owns the id and contributes the real value
 * to the sum over the group. The embedding sums the lookups with g; the cross entropy sums the target logits.
 *
 * @param first the first vocabulary id of this rank (rank x size)
 * @param size  the rows this rank holds (vocabulary / tp)
 */
public record VocabRange(long first, long size) {

    public VocabRange {
        if (first < 0 || size < 1) {
            throw new IllegalArgumentException("a vocabulary range needs first >= 0 and size >= 1, got first "
                    + first + ", size " + size);
        }
    }

    /** The range of rank {@code tp.rank()} when every rank holds {@code localRows} consecutive rows. */
    public static VocabRange of(TensorParallelPlan tp, long localRows) {
        return new VocabRange(tp.rank() * localRows, localRows);
    }

    /** ids: int64, any shape -> bool, same shape: true where the id is another rank's. */
    public Tensor foreign(Tensor ids) {
        // Integer scalars: a floating one would turn the int64 token ids into floats.
        return ids.lt(Tensors.integer(first)).logical_or(ids.ge(Tensors.integer(first + size)));
    }

    /**
     * ids: int64, any shape; foreign: {@link #foreign}(ids) -> int64, same shape: each id's row in this rank's block,
     * 0 for a foreign id (its result must be zeroed with {@link #zeroForeign}).
     */
    public Tensor localIds(Tensor ids, Tensor foreign) {
        return ids.sub(Tensors.integer(first)).masked_fill(foreign, Tensors.integer(0));
    }

    /**
     * values: (ids' shape, then any trailing dimensions) -> the same, with the values of foreign ids set to 0; a new
     * tensor.
     */
    public Tensor zeroForeign(Tensor values, Tensor foreign) {
        Tensor mask = foreign;
        while (mask.dim() < values.dim()) {
            mask = mask.unsqueeze(-1);
        }
        return values.masked_fill(mask, Tensors.scalar(0));
    }
}
