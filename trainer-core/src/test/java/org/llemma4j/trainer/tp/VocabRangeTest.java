package org.llemma4j.trainer.tp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.tensor.Tensors;

/** The vocabulary range of one rank and the masking of foreign ids, on the edges of the range. */
class VocabRangeTest {

    @Test
    void rankOneOfThreeOwnsTheMiddleRowsAndMasksTheOthers() {
        try (PointerScope scope = new PointerScope()) {
            VocabRange range = new VocabRange(4, 4);               // vocabulary 12 over tp 3: rank 1 holds 4..7
            Tensor ids = Tensors.longTensor(new int[] {0, 3, 4, 5, 7, 8, 11}, 7);
            Tensor foreign = range.foreign(ids);
            assertArrayEquals(new float[] {1, 1, 0, 0, 0, 1, 1}, Tensors.toFloats(foreign));

            Tensor local = range.localIds(ids, foreign);
            assertEquals(ScalarType.Long, Tensors.dtype(local), "local ids stay int64");
            assertArrayEquals(new float[] {0, 0, 0, 1, 3, 0, 0}, Tensors.toFloats(local));

            // Rows looked up for each id (7, 2): the foreign ids' rows are zeroed, over the trailing dimension too.
            Tensor looked = Tensors.floatTensor(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, 7, 2);
            assertArrayEquals(new float[] {0, 0, 0, 0, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0},
                    Tensors.toFloats(range.zeroForeign(looked, foreign)));
        }
    }

    @Test
    void theRangeOfAPlanRankIsItsBlock() {
        assertEquals(new VocabRange(0, 25), VocabRange.of(new UnconnectedPlan(4), 25));
        assertEquals(new VocabRange(0, 100), VocabRange.of(TensorParallelPlan.SINGLE, 100));
    }

    @Test
    void anEmptyOrNegativeRangeIsRefusedNamingItsNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VocabRange(-5, 10));
        assertEquals("a vocabulary range needs first >= 0 and size >= 1, got first -5, size 10", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new VocabRange(0, 0));
        assertEquals("a vocabulary range needs first >= 0 and size >= 1, got first 0, size 0", e.getMessage());
    }
}
