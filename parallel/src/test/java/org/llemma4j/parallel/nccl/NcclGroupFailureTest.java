package org.llemma4j.parallel.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.DistributedException;
import org.llemma4j.parallel.FreePort;
import org.llemma4j.parallel.device.TestDevices;

/**
 * NCCL's classes failing their initialisation (here: the CPU natives without the org.bytedeco:cuda jars, as a
 * {@code -Pcuda} build without those jars would on a GPU node) is a message naming the rank and the device, not an
 * {@code ExceptionInInitializerError} stack. The device is {@code cuda:0} as selection reports it; the failure is
 * the presets' own.
 */
class NcclGroupFailureTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void nccLClassesThatCannotInitialiseNameTheRankAndDevice() {
        int port = FreePort.pick();
        DistributedException e = assertThrows(DistributedException.class, () -> Distributed.init(
                Map.of("MASTER_PORT", "" + port), DistOptions.on(TestDevices.unreachableCuda(0), 1)
                        .withTimeouts(TIMEOUT, TIMEOUT)));
        String m = e.getMessage();
        assertTrue(m.startsWith("could not build NCCL group world (global rank 0 = group rank 0 of 1, members [0])"
                + " on cuda:0 over the store at 127.0.0.1:" + port), m);
        assertTrue(m.contains(": rank 0 (LOCAL_RANK 0, group rank 0 of 1) could not build an NCCL process group on"
                + " cuda:0, selected on a machine without a GPU: "), m);
        assertTrue(m.endsWith(" (NCCL needs the -Pcuda build, with the org.bytedeco:cuda jars, and the node's NCCL"
                + " library)"), m);
        assertInstanceOf(DistributedException.class, e.getCause());
        assertInstanceOf(ExceptionInInitializerError.class, e.getCause().getCause(), "the presets' own failure");
    }

    @Test
    void aCudaDeviceOtherThanLocalRankIsRefusedBeforeAnyNetworking() {
        assertEquals("rank 0 has LOCAL_RANK 0 but was given cuda:1: each rank computes on cuda:LOCAL_RANK",
                assertThrows(IllegalArgumentException.class, () -> Distributed.init(Map.of(),
                        DistOptions.on(TestDevices.unreachableCuda(1), 1))).getMessage());
    }
}
