/**
 * The checks of {@code launch gpu-check} (docs/gpu.md, "What scripts/gpu-check shows"): short training runs of the
 * tiny config that prove the GPU path against the CPU oracle and against itself. {@link
 * org.llemma4j.runtime.check.GpuChecks} runs them in order and reports one {@link
 * org.llemma4j.runtime.check.CheckResult} per line:
 * <ol>
 *   <li>fp32 on the device against the same steps on the CPU ({@link DeviceAgreementCheck});</li>
 *   <li>bf16: the loss falls, and two runs agree ({@link Bf16Check});</li>
 *   <li>a step with only FlashAttention enabled, and steady-state steps under libtorch's CUDA sync-debug error
 *       mode ({@link FlashCheck}, {@link SyncDebugCheck}); CUDA only;</li>
 *   <li>(the bench figures: {@code scripts/gpu-check} runs {@code launch bench} itself);</li>
 *   <li>with two devices: a 2-rank run, and tensor parallelism against one rank ({@link MultiRankCheck}).</li>
 * </ol>
 * Every check takes its device from {@link CheckSettings}, so checks 1, 2 and 5 run on the CPU as well (the CPU
 * against itself, 2 Gloo ranks), which is how they are tested on a machine without a GPU.
 */
package org.llemma4j.runtime.check;
