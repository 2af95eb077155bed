/**
 * The benchmarks (figures, not tests; results and method in docs/benchmarks.md): what they measure, how they time
 * it and what they print. {@link org.llemma4j.runtime.bench.StepBench} times training steps of a Llama of a given
 * shape ({@code launch bench}) with {@link org.llemma4j.runtime.bench.TimedSteps} and, on the CPU, the block-by-block
 * {@link org.llemma4j.runtime.bench.StepBreakdown}; {@link org.llemma4j.runtime.bench.TensorParallelBench} is one
 * rank of the TP=1 against TP=2 comparison ({@code launch bench-tp}); {@link
 * org.llemma4j.runtime.bench.CollectivesBench} one rank of the Gloo bus-bandwidth table ({@code launch
 * bench-collectives}); {@link org.llemma4j.runtime.bench.CheckpointBench} checkpoint save and load rates ({@code
 * launch bench-checkpoint}). {@link org.llemma4j.runtime.bench.BenchHost} is the machine line they all print. The
 * {@code launch} commands only parse options and, for the multi-process ones, start the ranks.
 */
package org.llemma4j.runtime.bench;
