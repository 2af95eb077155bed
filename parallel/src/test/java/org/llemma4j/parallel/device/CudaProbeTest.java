package org.llemma4j.parallel.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The probe against the libtorch this build loads, and selection end to end on it. */
class CudaProbeTest {

    @Test
    void theHooksFlagAgreesWithTheNativesJar() {
        CudaProbe probe = CudaProbe.detect();
        assertTrue(probe.natives().matches("pytorch-.*-linux-x86_64(-gpu)?\\.jar"), probe.natives());
        assertEquals(probe.natives().endsWith("-gpu.jar"), probe.nativesBuilt(), probe.toString());
    }

    @Test
    void onTheCpuNativesCudaIsRefusedAndAutoIsTheCpu() {
        CudaProbe probe = CudaProbe.detect();
        Assumptions.assumeFalse(probe.nativesBuilt(), "this build has the CUDA natives");
        assertEquals(0, probe.deviceCount());
        DeviceException e = assertThrows(DeviceException.class, () -> ComputeDevice.select(DeviceRequest.CUDA, 0, 1));
        assertTrue(e.getMessage().startsWith("device cuda was requested, but this build loads libtorch's CPU natives"
                + " (" + probe.natives() + "), which cannot use a GPU: rebuild with -Pcuda"), e.getMessage());
        assertEquals(DeviceKind.CPU, ComputeDevice.select(DeviceRequest.AUTO, 0, 1).kind());
    }
}
