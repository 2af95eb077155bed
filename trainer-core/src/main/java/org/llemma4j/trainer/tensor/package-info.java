/**
 * Small conversions between Java values and libtorch tensors ({@link org.llemma4j.trainer.tensor.Tensors}) and the
 * device checks with named messages ({@link org.llemma4j.trainer.tensor.Placement}) that every other trainer package
 * uses: it depends on nothing of the trainer, so that tensor parallelism, the blocks, the optimizer and the training
 * loop can all sit above it.
 */
package org.llemma4j.trainer.tensor;
