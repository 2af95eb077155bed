package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.gloo.GlooGroupFactory;

class BackendSelectionTest {

    @Test
    void deviceDecidesTheDefaultBackendAndTheDeviceName() {
        assertEquals(CommBackend.GLOO, DeviceKind.CPU.defaultBackend());
        assertEquals(CommBackend.NCCL, DeviceKind.CUDA.defaultBackend());
        assertEquals("cuda:3", DeviceKind.CUDA.deviceName(3));
        assertEquals("cpu", DeviceKind.CPU.deviceName(3));
        assertEquals(DeviceKind.CUDA, DeviceKind.parse(" Cuda "));
        assertEquals(CommBackend.NCCL, CommBackend.parse("nccl"));
        assertEquals("device 'tpu' is not one of cpu, cuda",
                assertThrows(IllegalArgumentException.class, () -> DeviceKind.parse("tpu")).getMessage());
        assertEquals("backend 'mpi' is not one of gloo, nccl",
                assertThrows(IllegalArgumentException.class, () -> CommBackend.parse("mpi")).getMessage());
        DistOptions cuda = new DistOptions(2, DeviceKind.CUDA, null, java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(1));
        assertEquals(CommBackend.NCCL, cuda.backend());
    }

    @Test
    void glooFactoryLoadsOnCpu() {
        assertInstanceOf(GlooGroupFactory.class, CommBackend.GLOO.factory());
    }

    @Test
    void ncclOnACpuBuildIsAClearErrorNotACrash() {
        // Only meaningful where there is no GPU: CI and the development machines.
        Assumptions.assumeFalse(torch.cuda_is_available(), "a CUDA device is present");
        IllegalStateException e = assertThrows(IllegalStateException.class, CommBackend.NCCL::factory);
        assertTrue(e.getMessage().contains("NCCL was selected but libtorch sees no CUDA device"), e.getMessage());
    }
}
