/**
 * All of tensor parallelism, Megatron's scheme: a Llama's layers split over the ranks of a tensor-parallel group so
 * that no rank holds a whole weight matrix, and the few collectives that make the split model compute exactly what
 * the whole one does.
 *
 * <h2>f and g</h2>
 * Two conjugate operators carry all the communication of the forward and backward passes. f, {@link
 * org.llemma4j.trainer.tp.CopyToRegion}, is the identity forward and an all-reduce (sum) of the gradient backward;
 * g, {@link org.llemma4j.trainer.tp.ReduceFromRegion}, is an all-reduce forward and the identity backward. The model
 * reaches them only through the seam {@link org.llemma4j.trainer.tp.TensorParallelPlan}: {@code copyToRegion} (f)
 * where the attention block, the MLP block and the output layer take their input, {@code reduceFromRegion} (g) after
 * the attention output projection, the MLP down projection and the embedding lookup. Each decoder layer therefore
 * costs two all-reduces forward and two backward. {@link org.llemma4j.trainer.tp.TensorParallelPlan#SINGLE} makes
 * both the identity (TP=1, a plain Llama); {@link org.llemma4j.trainer.tp.GroupTensorParallelPlan} puts them over a
 * real process group, and is built by the run's parallel context.
 *
 * <h2>The plan table</h2>
 * Which weight is split how is one column of the model's parameter table, {@code LlamaLayout} (package {@code
 * model}): every row names its {@link org.llemma4j.trainer.tp.ParallelStyle}. q, k, v, gate and up are
 * column-parallel (their output features, the rows of the stored weight, are split: whole heads, whole KV groups, an
 * equal slice of the FFN), entered through f. o and down are row-parallel (their input features, the columns, are
 * split), each rank producing a partial sum that g adds up. The token embedding and the output layer are
 * vocab-parallel (a contiguous range of vocabulary rows per rank). The norm gains are replicated. The style maps to
 * the {@code ShardDim} that checkpoints record, so a checkpoint saved at one TP degree can be cut again for another.
 *
 * <h2>Vocab-parallel embedding and cross entropy</h2>
 * {@link org.llemma4j.trainer.tp.VocabRange} is a rank's vocabulary rows and the masking of the ids outside them.
 * The embedding looks up the ids it owns, zeroes the others, and g sums the ranks' lookups. The cross entropy
 * computes only the logits of the rank's range, all-reduces the row maxima, then the sums of exponentials and the
 * target logits (a foreign target contributes 0), so every rank gets the exact loss over the whole vocabulary
 * without the logits ever being gathered; the hidden-state gradient shares are summed by the f in front of the
 * output layer.
 *
 * <h2>The norm rule</h2>
 * {@link org.llemma4j.trainer.tp.GradientNorm}: the squares of a split parameter's gradient are summed over the group
 * (each rank holds a different slice); a replicated parameter's gradient is identical on every rank (its inputs and
 * incoming gradients come out of all-reduces), so it is counted once, as a 1/tp share from each rank. Every rank then
 * clips by the same global norm.
 *
 * <h2>Initialization</h2>
 * Initialization does not depend on the TP degree: each whole tensor is drawn from a generator seeded by the run
 * seed and the parameter's name, and each rank keeps its slice ({@code ParameterSet} in package {@code nn}). TP=1, 2
 * and 4 start from the same model, which is what lets the tests compare them step by step.
 *
 * <p>This package depends only on {@code parallel}'s process groups and on {@code tensor}; {@code nn} and {@code
 * model} sit above it.
 */
package org.llemma4j.trainer.tp;
