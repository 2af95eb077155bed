/**
 * The building blocks of a Llama on libtorch: parameters and their owner, RMSNorm, rotary embedding, attention,
 * the SwiGLU MLP and the vocab-parallel embedding. Each block is written for one tensor-parallel rank and reaches
 * the other ranks only through a {@link org.llemma4j.trainer.tp.TensorParallelPlan}, which is the identity at TP=1.
 */
package org.llemma4j.trainer.nn;
