package org.llemma4j.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CollectiveKindTest {

    @Test
    void busBandwidthFactorsAreNcclTests() {
        assertEquals(1.0, CollectiveKind.ALL_REDUCE.busFactor(2), 0);        // 2(n-1)/n
        assertEquals(1.5, CollectiveKind.ALL_REDUCE.busFactor(4), 0);
        assertEquals(0.5, CollectiveKind.ALL_GATHER.busFactor(2), 0);        // (n-1)/n
        assertEquals(0.75, CollectiveKind.REDUCE_SCATTER.busFactor(4), 0);
        assertEquals(0.75, CollectiveKind.REDUCE_SCATTER_VIA_ALL_REDUCE.busFactor(4), 0);
    }
}
