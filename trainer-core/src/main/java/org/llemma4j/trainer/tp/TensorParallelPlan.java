package org.llemma4j.trainer.tp;

import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.ReduceKind;

/**
 * The seam through which tensor parallelism is applied to the model from outside (Megatron's scheme).
 *
 * <p>The model calls {@link #copyToRegion} before every column-parallel linear layer and {@link #reduceFromRegion}
 * after every row-parallel one; at TP=1 both are the identity and the model is a plain Llama. A TP>1 plan makes
 * {@code copyToRegion} Megatron's f (identity forward, all-reduce of the gradient backward) and
 * {@code reduceFromRegion} its g (all-reduce forward, identity backward).
 */
public interface TensorParallelPlan {

    /** Ranks in the tensor-parallel group. */
    int size();

    /** This process's index in the tensor-parallel group. */
    int rank();

    /** f: enter a column-parallel region. */
    Tensor copyToRegion(Tensor x);

    /** g: leave a row-parallel region, summing the partial results of all ranks. */
    Tensor reduceFromRegion(Tensor partial);

    /**
     * Reduces {@code t} in place over the tensor-parallel group, outside autograd (the vocab-parallel cross
     * entropy's max, sum of exps and target logits; the gradient norm). {@code t} must be contiguous.
     */
    void allReduce(Tensor t, ReduceKind op);

    /** One process holds the whole model. */
    TensorParallelPlan SINGLE = new TensorParallelPlan() {
        @Override
        public int size() {
            return 1;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public Tensor copyToRegion(Tensor x) {
            return x;
        }

        @Override
        public Tensor reduceFromRegion(Tensor partial) {
            return partial;
        }

        @Override
        public void allReduce(Tensor t, ReduceKind op) {
            // one rank: the reduction of a single value is that value
        }
    };
}
