/**
 * Sharded checkpoints: the directory layout ({@code latest}, {@code step-NNNNNN/}), atomic saves, the manifest with
 * its tensor index, and reads that reassemble a tensor for any tensor-parallel layout.
 *
 * <p>Save at step N (every rank; {@code saveId} is any token all ranks agree on):
 * <pre>
 *   Path tmp = store.beginSave(N, saveId);
 *   ShardWriter w = new ShardWriter(tmp, layout);
 *   if (dpRank == 0) w.writeModel(tpRank, blocksOfThisTpRank);              // List&lt;ShardedTensor&gt;
 *   w.writeOptimizer(tpRank, dpRank, OptimizerPiece.cut(flatOrder, tp, shardStart, master, expAvg, expAvgSq));
 *   barrier();
 *   if (rank == 0) store.commit(tmp, Manifest.forSave(N, consumedSamples, lrState, rng, config, layout));
 *   barrier();
 * </pre>
 * Resume:
 * <pre>
 *   Optional&lt;Path&gt; dir = store.latest();
 *   try (CheckpointReader r = store.open(dir.get())) {
 *       Manifest m = r.manifest();                                        // step, consumed samples, LR, RNG
 *       Tensor w = r.readShard(name, tp, tpRank);                         // this rank's block, any saved layout
 *       Tensor s = r.readFlat(OptimizerNames.EXP_AVG, flatOrder, tp, tpRank, shardStart, shardLength);
 *   }
 * </pre>
 *
 * <p>The module knows no model: the tensors to write, read or reshard are {@link org.llemma4j.parallel.ParamSpec}s
 * the caller passes (the trainer's parameter table).
 *
 * <p>Sub-packages: {@code safetensors} (the file format), {@code io} (durable writes), {@code hf} (Hugging Face
 * directories: import and export).
 */
package org.llemma4j.checkpoint;
