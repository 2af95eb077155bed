package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The one (name, whole shape, split) record: block shapes per tensor-parallel degree, and its errors. */
class ParamSpecTest {

    private static final ParamSpec ROWS = new ParamSpec("q", new long[] {8, 4}, ShardDim.ROWS);
    private static final ParamSpec COLUMNS = new ParamSpec("o", new long[] {4, 8}, ShardDim.COLUMNS);
    private static final ParamSpec NORM = new ParamSpec("norm", new long[] {4}, ShardDim.REPLICATED);

    @Test
    void blocksSplitTheirDimensionAndReplicatedOnesStayWhole() {
        assertArrayEquals(new long[] {2, 4}, ROWS.localShape(4));
        assertArrayEquals(new long[] {4, 4}, COLUMNS.localShape(2));
        assertArrayEquals(new long[] {4}, NORM.localShape(4));
        assertEquals(32, ROWS.numel());
        assertEquals(16, COLUMNS.localNumel(2));
        assertEquals(4, NORM.localNumel(2));
    }

    @Test
    void theShapeIsCopiedAndComparedByValue() {
        long[] shape = {8, 4};
        ParamSpec spec = new ParamSpec("q", shape, ShardDim.ROWS);
        shape[0] = 1;
        spec.fullShape()[1] = 1;
        assertArrayEquals(new long[] {8, 4}, spec.fullShape());
        assertEquals(ROWS, spec);
        assertEquals(ROWS.hashCode(), spec.hashCode());
        assertNotEquals(ROWS, new ParamSpec("q", new long[] {8, 4}, ShardDim.COLUMNS));
        assertEquals("q[8, 4] ROWS", ROWS.toString());
    }

    @Test
    void badDeclarationsAndDegreesAreNamed() {
        assertEquals("tensor q of shape [8, 4]: dimension 0 of size 8 is not divisible by tp 3",
                assertThrows(IllegalArgumentException.class, () -> ROWS.localShape(3)).getMessage());
        assertEquals("tensor-parallel degree must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> ROWS.localShape(0)).getMessage());
        assertEquals("parameter b of shape [4] has no dimension 1 to split (COLUMNS)",
                assertThrows(IllegalArgumentException.class,
                        () -> new ParamSpec("b", new long[] {4}, ShardDim.COLUMNS)).getMessage());
        assertEquals("parameter w has a negative dimension in shape [2, -1]",
                assertThrows(IllegalArgumentException.class,
                        () -> new ParamSpec("w", new long[] {2, -1}, ShardDim.ROWS)).getMessage());
        assertEquals("a parameter needs a non-empty name", assertThrows(IllegalArgumentException.class,
                () -> new ParamSpec("", new long[] {1}, ShardDim.REPLICATED)).getMessage());
    }
}
