package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParallelDimsTest {

    @Test
    void coordinatesOfEveryRankOfTp2Dp4() {
        for (int r = 0; r < 8; r++) {
            ParallelDims d = ParallelDims.of(8, 2, r);
            assertEquals(4, d.dp());
            assertEquals(r % 2, d.tpRank());
            assertEquals(r / 2, d.dpRank());
            assertTrue(d.tpGroupRanks().contains(r));
            assertTrue(d.dpGroupRanks().contains(r));
            assertEquals(d.tpRank(), d.tpGroupRanks().indexOf(r), "index inside the TP group is the tp rank");
            assertEquals(d.dpRank(), d.dpGroupRanks().indexOf(r), "index inside the DP group is the dp rank");
        }
        ParallelDims r5 = ParallelDims.of(8, 2, 5);
        assertEquals(List.of(4, 5), r5.tpGroupRanks());
        assertEquals(List.of(1, 3, 5, 7), r5.dpGroupRanks());
    }

    @Test
    void groupsPartitionTheWorld() {
        ParallelDims d = ParallelDims.of(12, 4, 0);
        Set<Integer> seenTp = new HashSet<>();
        d.allTpGroups().forEach(seenTp::addAll);
        Set<Integer> seenDp = new HashSet<>();
        d.allDpGroups().forEach(seenDp::addAll);
        assertEquals(12, seenTp.size());
        assertEquals(12, seenDp.size());
        assertEquals(3, d.allTpGroups().size());
        assertEquals(4, d.allDpGroups().size());
        assertEquals(List.of(8, 9, 10, 11), d.tpGroup(2));
        assertEquals(List.of(3, 7, 11), d.dpGroup(3));
    }

    @Test
    void rejectsWorldNotDivisibleByTp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParallelDims.of(6, 4, 0));
        assertTrue(e.getMessage().startsWith("world 6 is not tp 4 x dp"), e.getMessage());
        assertTrue(e.getMessage().contains("remainder 2"), e.getMessage());
    }

    @Test
    void rejectsInconsistentRecord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ParallelDims(8, 2, 3, 0));
        assertEquals("world 8 is not tp 2 x dp 3 (= 6)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ParallelDims.of(4, 2, 4));
        assertEquals("rank 4 is outside world 0..3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ParallelDims.of(4, 0, 0));
        assertEquals("tp 0 must be >= 1 (world 4)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ParallelDims.of(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> ParallelDims.of(4, 2, -1));
    }

    @Test
    void slicesOfTensorAndDataParallelDimensions() {
        ParallelDims d = ParallelDims.of(8, 2, 5); // tpRank 1, dpRank 2
        assertEquals(new Slice(5504, 5504), d.tpSlice(11008, "ffn"));
        assertEquals(new Slice(200, 100), d.dpSlice(400, "grad buffer"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.tpSlice(11, "heads"));
        assertEquals("heads (tp 2) 11 is not divisible by 2 (remainder 1)", e.getMessage());
    }

    @Test
    void singleProcess() {
        ParallelDims d = ParallelDims.single();
        assertEquals(List.of(0), d.tpGroupRanks());
        assertEquals(List.of(0), d.dpGroupRanks());
        assertEquals(new Slice(0, 7), d.dpSlice(7, "x"));
    }
}
