/**
 * The data-parallel optimizer (ZeRO), one unit in the shape of Megatron's DistributedOptimizer: a
 * {@link org.llemma4j.trainer.zero.DataParallelOptimizer} owns the fp32 gradient buffer, the AdamW state of its range
 * of the flat parameter buffer, the reductions over the data-parallel group (whole-buffer or in overlapped buckets,
 * with Gloo's pieces), the step, and the rule for which ranks write optimizer state into a checkpoint.
 *
 * <ul>
 *   <li>{@link org.llemma4j.trainer.zero.ReplicatedOptimizer}, stage 0: all-reduce, every rank the whole state.</li>
 *   <li>{@link org.llemma4j.trainer.zero.ShardedOptimizer}, stage 1: reduce-scatter, the norm over the shards, the
 *       step on this rank's shard, all-gather of the new weights.</li>
 * </ul>
 * The arithmetic of AdamW itself is {@link org.llemma4j.trainer.optim.AdamW}, a pure function of a range.
 * {@code docs/zero.md} describes a step and the overlap.
 *
 * <p>On CUDA streams: the overlapped buckets are launched from autograd's device thread, whose current stream is
 * the backward pass's, after the hook has queued the gradient's addition into the bucket there; the collective's
 * stream waits for that stream at launch. The training thread awaits every bucket at the end of the last
 * micro-batch, and a wait orders the compute stream after the collective, so the division, the norm, the optimizer
 * and the zeroing for the next step, all queued later on that stream, read reduced buckets. The communication
 * time is taken on the training thread only, by the device timer around those waits (docs/zero.md, "On CUDA
 * streams").
 */
package org.llemma4j.trainer.zero;
