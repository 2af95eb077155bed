/**
 * The CUDA device: {@code cuda:LOCAL_RANK} made current, its name and memory, the caching allocator's statistics,
 * CUDA-event timers, the CUDA generators and the sync-debug switch. Loaded by name only, by
 * {@link org.llemma4j.parallel.device.ComputeDevice#select} once CUDA is selected: its classes compile against the
 * presets' API jar, but {@code torch_cuda} and {@code cuda.*} fail their class initialisation with the CPU natives,
 * so nothing on the CPU path refers to this package.
 */
package org.llemma4j.parallel.device.cuda;
