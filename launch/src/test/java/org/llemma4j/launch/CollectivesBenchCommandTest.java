package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollectivesBenchCommandTest {

    @Test
    void busBandwidthFactorsAreNcclTests() {
        assertEquals(1.0, CollectivesBenchCommand.Kind.ALL_REDUCE.busFactor(2), 0);        // 2(n-1)/n
        assertEquals(1.5, CollectivesBenchCommand.Kind.ALL_REDUCE.busFactor(4), 0);
        assertEquals(0.5, CollectivesBenchCommand.Kind.ALL_GATHER.busFactor(2), 0);        // (n-1)/n
        assertEquals(0.75, CollectivesBenchCommand.Kind.REDUCE_SCATTER.busFactor(4), 0);
        assertEquals(0.75, CollectivesBenchCommand.Kind.REDUCE_SCATTER_VIA_ALL_REDUCE.busFactor(4), 0);
    }

    @Test
    void oneRankIsAUsageError() {
        UsageException e = assertThrows(UsageException.class,
                () -> new CollectivesBenchCommand().run(List.of("--ranks", "1,2")));
        assertTrue(e.getMessage().contains("at least 2 ranks"), e.getMessage());
    }
}
