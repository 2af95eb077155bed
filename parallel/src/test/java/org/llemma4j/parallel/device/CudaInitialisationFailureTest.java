package org.llemma4j.parallel.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The CUDA implementation failing to initialise (here: {@code torch_cuda} with the CPU natives and without the
 * org.bytedeco:cuda jars, as a GPU build missing those jars would) is a device error naming the device and what
 * the build needs, not an {@code ExceptionInInitializerError}. Selection never gets here on the CPU natives; the
 * test calls the loading step directly.
 */
class CudaInitialisationFailureTest {

    @Test
    void aCudaDeviceThatCannotInitialiseNamesTheDeviceAndTheBuild() {
        Assumptions.assumeFalse(CudaProbe.detect().nativesBuilt(), "this build has the CUDA natives");
        DeviceException e = assertThrows(DeviceException.class, () -> ComputeDevice.cuda(1));
        // The innermost cause: the preset class that torch_cuda inherits is not on the class path.
        assertTrue(e.getMessage().matches("cuda:1 could not be initialised: ClassNotFoundException:"
                + " org\\.bytedeco\\.cuda\\.presets\\.\\w+ \\(a -Pcuda build needs the org.bytedeco:cuda jars and"
                + " the node's CUDA 13 libraries\\)"), e.getMessage());
        assertInstanceOf(ExceptionInInitializerError.class, e.getCause(), "the presets' own failure");
        assertEquals(1, e.getMessage().lines().count());
    }
}
