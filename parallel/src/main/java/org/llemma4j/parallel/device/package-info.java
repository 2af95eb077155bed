/**
 * Where a rank computes. {@link org.llemma4j.parallel.device.ComputeDevice} is the one place every tensor factory
 * takes its device from, and what the trainer asks of the device: synchronisation, memory statistics, interval
 * timers, the dense bf16 peak for MFU, seeding, the start line, and whether a run's memory estimate fits.
 *
 * <p>{@link org.llemma4j.parallel.device.ComputeDevice#select} chooses it before anything is allocated, from the
 * {@code device} key ({@link org.llemma4j.parallel.device.DeviceRequest}) and the rank's {@code LOCAL_RANK}: the
 * decision ({@code DeviceSelection}) is pure and reads libtorch through
 * {@link org.llemma4j.parallel.device.CudaProbe}, which never touches a CUDA-only class. The CPU and {@code meta}
 * implementations live here; the CUDA one in {@code device.cuda}, loaded by name only when CUDA is selected.
 *
 * <p>This package knows no collectives: {@code parallel} maps a device to its backend (Gloo, NCCL).
 */
package org.llemma4j.parallel.device;
