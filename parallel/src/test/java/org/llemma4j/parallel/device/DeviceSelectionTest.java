package org.llemma4j.parallel.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Every outcome of the selection, from what libtorch could report on any machine. */
class DeviceSelectionTest {

    private static final String CPU_JAR = "pytorch-2.10.0-1.5.13-linux-x86_64.jar";
    private static final String GPU_JAR = "pytorch-2.10.0-1.5.13-linux-x86_64-gpu.jar";

    private static final CudaProbe CPU_NATIVES = new CudaProbe(false, 0, CPU_JAR, "unset");
    private static final CudaProbe NO_DRIVER = new CudaProbe(true, 0, GPU_JAR, "unset");
    private static final CudaProbe FOUR_GPUS = new CudaProbe(true, 4, GPU_JAR, "'0,1,2,3'");
    private static final CudaProbe ONE_GPU = new CudaProbe(true, 1, GPU_JAR, "unset");

    @Test
    void autoIsCudaWhereLibtorchSeesAGpuAndTheCpuElsewhere() {
        assertEquals(DeviceKind.CUDA, DeviceSelection.resolve(DeviceRequest.AUTO, FOUR_GPUS, 3, 4));
        assertEquals(DeviceKind.CPU, DeviceSelection.resolve(DeviceRequest.AUTO, CPU_NATIVES, 0, 1));
        assertEquals(DeviceKind.CPU, DeviceSelection.resolve(DeviceRequest.AUTO, NO_DRIVER, 1, 2));
    }

    @Test
    void cpuIsAlwaysTheCpu() {
        assertEquals(DeviceKind.CPU, DeviceSelection.resolve(DeviceRequest.CPU, FOUR_GPUS, 0, 8));
        assertEquals(DeviceKind.CPU, DeviceSelection.resolve(DeviceRequest.CPU, CPU_NATIVES, 1, 2));
    }

    @Test
    void cudaOnCpuNativesSaysToRebuildWithTheCudaProfile() {
        DeviceException e = assertThrows(DeviceException.class,
                () -> DeviceSelection.resolve(DeviceRequest.CUDA, CPU_NATIVES, 0, 1));
        assertEquals("device cuda was requested, but this build loads libtorch's CPU natives (" + CPU_JAR
                + "), which cannot use a GPU: rebuild with -Pcuda (mvn -Pcuda package: the linux-x86_64-gpu natives"
                + " and the org.bytedeco:cuda jars), or set device: cpu", e.getMessage());
    }

    @Test
    void cudaWithNoVisibleDeviceSaysSo() {
        DeviceException e = assertThrows(DeviceException.class,
                () -> DeviceSelection.resolve(DeviceRequest.CUDA, new CudaProbe(true, 0, GPU_JAR, "''"), 0, 1));
        assertEquals("device cuda was requested, but libtorch sees no CUDA device on this node"
                + " (CUDA_VISIBLE_DEVICES ''): check the driver (nvidia-smi) and the GPUs given to the job, or set"
                + " device: cpu", e.getMessage());
    }

    @Test
    void moreLocalRanksThanGpusNamesBothNumbers() {
        DeviceException e = assertThrows(DeviceException.class,
                () -> DeviceSelection.resolve(DeviceRequest.CUDA, FOUR_GPUS, 0, 8));
        assertEquals("LOCAL_WORLD_SIZE 8 is larger than this node's 4 CUDA devices (CUDA_VISIBLE_DEVICES"
                + " '0,1,2,3'): each rank computes on its own GPU, cuda:LOCAL_RANK, so start at most 4 ranks per node"
                + " (--nproc-per-node, srun --ntasks-per-node), or give each rank one GPU of its own"
                + " (srun --gpus-per-task=1)", e.getMessage());
        DeviceException auto = assertThrows(DeviceException.class,
                () -> DeviceSelection.resolve(DeviceRequest.AUTO, ONE_GPU, 1, 2));
        assertEquals("LOCAL_WORLD_SIZE 2 is larger than this node's 1 CUDA device (CUDA_VISIBLE_DEVICES unset):"
                + " each rank computes on its own GPU, cuda:LOCAL_RANK, so start at most 1 rank per node"
                + " (--nproc-per-node, srun --ntasks-per-node), or give each rank one GPU of its own"
                + " (srun --gpus-per-task=1)", auto.getMessage());
        assertEquals(DeviceKind.CUDA, DeviceSelection.resolve(DeviceRequest.CUDA, FOUR_GPUS, 3, 4));
    }

    @Test
    void eachRankOnItsOwnGpuWhereTheNodeShowsAllAndOnCuda0WhereTheJobBindsOnePerTask() {
        assertEquals(3, DeviceSelection.cudaIndex(FOUR_GPUS, 3));
        assertEquals(0, DeviceSelection.cudaIndex(ONE_GPU, 0));
        // srun --gpus-per-task=1: 8 tasks on a node, each seeing only its own GPU
        CudaProbe bound = new CudaProbe(true, 1, GPU_JAR, "'5'");
        assertEquals(DeviceKind.CUDA, DeviceSelection.resolve(DeviceRequest.CUDA, bound, 5, 8));
        assertEquals(0, DeviceSelection.cudaIndex(bound, 5));
    }

    @Test
    void aLocalRankOutsideTheNodeIsRefused() {
        assertEquals("local rank 2 must be in 0..1 (local world size 2)", assertThrows(
                IllegalArgumentException.class, () -> DeviceSelection.resolve(DeviceRequest.CPU, FOUR_GPUS, 2, 2))
                .getMessage());
    }

    @Test
    void requestsParseAsConfigsSpellThem() {
        assertEquals(DeviceRequest.CUDA, DeviceRequest.parse(" Cuda "));
        assertEquals("auto", DeviceRequest.AUTO.configName());
        assertEquals("device 'tpu' is not one of auto, cpu, cuda",
                assertThrows(IllegalArgumentException.class, () -> DeviceRequest.parse("tpu")).getMessage());
    }

    @Test
    void aProbeCannotClaimGpusOnCpuNatives() {
        assertEquals("CPU natives cannot see 2 CUDA devices", assertThrows(IllegalArgumentException.class,
                () -> new CudaProbe(false, 2, CPU_JAR, "unset")).getMessage());
    }
}
