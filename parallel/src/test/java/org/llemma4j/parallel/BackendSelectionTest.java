package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.TestDevices;
import org.llemma4j.parallel.gloo.GlooGroupFactory;

class BackendSelectionTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void theDeviceDecidesTheDefaultBackend() {
        assertEquals(CommBackend.GLOO, CommBackend.defaultFor(DeviceKind.CPU));
        assertEquals(CommBackend.NCCL, CommBackend.defaultFor(DeviceKind.CUDA));
        assertEquals(CommBackend.NCCL, CommBackend.parse("nccl"));
        assertEquals("backend 'mpi' is not one of gloo, nccl",
                assertThrows(IllegalArgumentException.class, () -> CommBackend.parse("mpi")).getMessage());
        assertEquals(CommBackend.GLOO, DistOptions.cpu(2).backend());
        assertEquals(CommBackend.NCCL, DistOptions.on(TestDevices.unreachableCuda(0), 2).backend());
        assertEquals(CommBackend.GLOO, new DistOptions(1, TestDevices.unreachableCuda(0), CommBackend.GLOO, SECOND,
                SECOND).backend(), "Gloo may carry CUDA tensors when asked for");
    }

    @Test
    void impossibleDeviceAndBackendPairsAreRefused() {
        assertEquals("backend nccl needs CUDA tensors, but this rank computes on cpu: use gloo, or device cuda",
                assertThrows(IllegalArgumentException.class, () -> new DistOptions(1, ComputeDevice.cpu(),
                        CommBackend.NCCL, SECOND, SECOND)).getMessage());
        assertEquals("the meta device holds no data to communicate: distribute over cpu or cuda",
                assertThrows(IllegalArgumentException.class, () -> DistOptions.on(ComputeDevice.meta(), 1))
                        .getMessage());
        assertEquals("device must be given (cpu or cuda)", assertThrows(IllegalArgumentException.class,
                () -> new DistOptions(1, null, null, SECOND, SECOND)).getMessage());
    }

    @Test
    void glooFactoryLoadsOnCpu() {
        assertInstanceOf(GlooGroupFactory.class, CommBackend.GLOO.factory());
    }
}
