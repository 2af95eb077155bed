package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DistributedTest {

    @Test
    void aSingleProcessRunsTheSameCodePath() {
        int port = FreePort.pick();
        DistOptions options = DistOptions.cpu(1).withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10));
        try (Distributed dist = Distributed.init(Map.of("MASTER_PORT", "" + port), options);
             PointerScope scope = new PointerScope()) {
            assertEquals(DistEnv.Source.SINGLE, dist.env().source());
            assertEquals(1, dist.groups().world().size());
            assertEquals(1, dist.groups().tp().size());
            assertEquals(1, dist.groups().dp().size());
            assertEquals("cpu", dist.device().name());
            Tensor t = torch.arange(new org.bytedeco.pytorch.Scalar(6)).to(torch.ScalarType.Float);
            dist.dp().allReduce(t, ReduceKind.SUM);
            assertEquals(15.0, t.sum().item_double());
            Tensor shard = dist.dp().reduceScatter(t, ReduceKind.AVG);
            assertEquals(6, shard.numel());
            assertEquals(15.0, shard.sum().item_double());
            dist.world().barrier();
            assertFalse(dist.isBroken());
        }
    }

    @Test
    void anImpossibleLayoutFailsBeforeAnyNetworking() {
        int port = FreePort.pick();
        long start = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Distributed.init(Map.of("RANK", "1", "WORLD_SIZE", "6", "MASTER_PORT", "" + port),
                        DistOptions.cpu(4)));
        assertTrue(e.getMessage().startsWith("world 6 is not tp 4 x dp"), e.getMessage());
        assertTrue((System.nanoTime() - start) / 1e9 < 5, "no rendezvous was attempted");
    }
}
