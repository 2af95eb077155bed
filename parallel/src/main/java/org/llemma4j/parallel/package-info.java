/**
 * Distributed plumbing for llemma4j: who this process is ({@link org.llemma4j.parallel.DistEnv}), how the world
 * is cut into tensor- and data-parallel groups ({@link org.llemma4j.parallel.ParallelDims}), the TCPStore
 * rendezvous ({@link org.llemma4j.parallel.Rendezvous}), the c10d process groups built over it
 * ({@link org.llemma4j.parallel.ParallelGroups}) and one small collective API over a group
 * ({@link org.llemma4j.parallel.Collectives}).
 *
 * <p>The usual entry point is {@link org.llemma4j.parallel.Distributed#init}: it reads the environment, joins the
 * rendezvous and builds the world, TP and DP groups in one call, and closes them all in {@code close()}.
 *
 * <p>It also holds the one declaration of a model parameter that every module shares,
 * {@link org.llemma4j.parallel.ParamSpec} (name, whole shape, {@link org.llemma4j.parallel.ShardDim}): the model
 * allocates from it, checkpoints index and reshard by it, and Hugging Face import and export check files against it.
 *
 * <p>Everything here is real libtorch c10d (Gloo on CPU, NCCL on CUDA) through the JavaCPP presets; no collective
 * is simulated in Java.
 */
package org.llemma4j.parallel;
