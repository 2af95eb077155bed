package org.llemma4j.parallel.device;

/**
 * The decision behind {@link ComputeDevice#select}: from the request and what libtorch sees, where a rank
 * computes, or why it cannot. Pure, so every outcome and message is tested on a machine without a GPU.
 */
final class DeviceSelection {

    private DeviceSelection() {
    }

    /**
     * @param localRank this rank's index on its node: it computes on {@code cuda:localRank}
     * @param localWorldSize ranks on this node
     * @throws DeviceException when CUDA is requested and cannot be had, or the node has fewer GPUs than ranks
     */
    static DeviceKind resolve(DeviceRequest request, CudaProbe probe, int localRank, int localWorldSize) {
        if (localWorldSize < 1 || localRank < 0 || localRank >= localWorldSize) {
            throw new IllegalArgumentException("local rank " + localRank + " must be in 0.." + (localWorldSize - 1)
                    + " (local world size " + localWorldSize + ")");
        }
        switch (request) {
            case CPU:
                return DeviceKind.CPU;
            case AUTO:
                if (!probe.nativesBuilt() || probe.deviceCount() == 0) {
                    return DeviceKind.CPU;
                }
                return enoughDevices(probe, localWorldSize);
            case CUDA:
                if (!probe.nativesBuilt()) {
                    throw new DeviceException("device cuda was requested, but this build loads libtorch's CPU"
                            + " natives (" + probe.natives() + "), which cannot use a GPU: rebuild with -Pcuda"
                            + " (mvn -Pcuda package: the linux-x86_64-gpu natives and the org.bytedeco:cuda jars),"
                            + " or set device: cpu");
                }
                if (probe.deviceCount() == 0) {
                    throw new DeviceException("device cuda was requested, but libtorch sees no CUDA device on this"
                            + " node (CUDA_VISIBLE_DEVICES " + probe.visibleDevices() + "): check the driver"
                            + " (nvidia-smi) and the GPUs given to the job, or set device: cpu");
                }
                return enoughDevices(probe, localWorldSize);
            default:
                throw new IllegalArgumentException("unknown device request " + request);
        }
    }

    /**
     * The CUDA device a rank computes on: {@code cuda:LOCAL_RANK} among the node's GPUs, or {@code cuda:0} where the
     * job gives each process a GPU of its own ({@code srun --gpus-per-task=1} or {@code --gpu-bind} set
     * {@code CUDA_VISIBLE_DEVICES} per task to one device, so every rank sees exactly one).
     */
    static int cudaIndex(CudaProbe probe, int localRank) {
        return boundToOneGpu(probe) ? 0 : localRank;
    }

    private static boolean boundToOneGpu(CudaProbe probe) {
        return probe.deviceCount() == 1 && !probe.visibleDevices().equals(CudaProbe.UNSET);
    }

    private static DeviceKind enoughDevices(CudaProbe probe, int localWorldSize) {
        int devices = probe.deviceCount();
        if (localWorldSize > devices && !boundToOneGpu(probe)) {
            throw new DeviceException("LOCAL_WORLD_SIZE " + localWorldSize + " is larger than this node's " + devices
                    + " CUDA device" + (devices == 1 ? "" : "s") + " (CUDA_VISIBLE_DEVICES " + probe.visibleDevices()
                    + "): each rank computes on its own GPU, cuda:LOCAL_RANK, so start at most " + devices
                    + " rank" + (devices == 1 ? "" : "s") + " per node (--nproc-per-node, srun --ntasks-per-node),"
                    + " or give each rank one GPU of its own (srun --gpus-per-task=1)");
        }
        return DeviceKind.CUDA;
    }
}
