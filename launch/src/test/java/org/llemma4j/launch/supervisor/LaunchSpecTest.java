package org.llemma4j.launch.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchSpecTest {

    @Test
    void multiNodeRanksAreConsecutivePerNode() {
        LaunchSpec s = LaunchSpec.local("x.Main", List.of(), 4).onNodes(3, 2, "10.0.0.1", 29500);
        assertEquals(12, s.worldSize());
        assertEquals(8, s.globalRank(0));
        assertEquals(11, s.globalRank(3));
    }

    @Test
    void invalidLaunchesNameTheNumbers() {
        LaunchSpec base = LaunchSpec.local("x.Main", List.of(), 2);
        assertEquals("node rank 2 is outside 0..1 (nnodes 2)", assertThrows(IllegalArgumentException.class,
                () -> base.onNodes(2, 2, "h", 29500)).getMessage());
        assertEquals("master port 0 (pick a free one) only works on a single node: the 2 nodes must agree on a port",
                assertThrows(IllegalArgumentException.class, () -> base.onNodes(2, 0, "h", 0)).getMessage());
        assertEquals("nproc-per-node 0 must be >= 1", assertThrows(IllegalArgumentException.class,
                () -> LaunchSpec.local("x.Main", List.of(), 0)).getMessage());
        assertEquals("max restarts -1 must be >= 0", assertThrows(IllegalArgumentException.class,
                () -> base.withMaxRestarts(-1)).getMessage());
    }
}
