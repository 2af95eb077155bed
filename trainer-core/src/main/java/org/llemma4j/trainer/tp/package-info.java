/**
 * Tensor parallelism applied to the model over a real process group: the {@link
 * org.llemma4j.trainer.tp.TensorParallelPlan} of Megatron's f and g operators, and the gradient norm that counts
 * TP-split parameters over the group and TP-replicated ones once.
 */
package org.llemma4j.trainer.tp;
