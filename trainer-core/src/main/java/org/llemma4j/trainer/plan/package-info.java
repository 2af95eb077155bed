/**
 * Planning a run before it starts, in pure Java (no tensor is allocated, no native library loaded): per-rank
 * memory and throughput estimates ({@link org.llemma4j.trainer.plan.TrainingPlan}, behind {@code launch plan}; one
 * rank's bytes per buffer in {@link org.llemma4j.trainer.plan.RankMemory}, which a run also checks against its
 * device before allocating the model), and the requirements a run has of the machine it starts on
 * ({@link org.llemma4j.trainer.plan.RunRequirements}, checked by {@code launch train} before allocating anything).
 * The GPUs' memory and peaks come from {@link org.llemma4j.parallel.device.GpuModel}.
 *
 * <p>The formulas are written out in {@code docs/planning.md} and in the javadoc of
 * {@link org.llemma4j.trainer.plan.MemoryModel}.
 */
package org.llemma4j.trainer.plan;
