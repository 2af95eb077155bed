package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.ComputeDevice;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.tensor.Tensors;

/** RoPE at an offset: the positions of tokens appended after a key-value cache. */
class RotaryOffsetTest {

    @Test
    void slicesAtAnOffsetRotateLikeTheWholeSequence() {
        try (PointerScope scope = new PointerScope(); RotaryEmbedding rope = new RotaryEmbedding(8, 16, 10000)) {
            Tensor x = Fixtures.randn(new Random(5), 1.0, ScalarType.Float, 1, 2, 12, 8);
            double[] whole = Tensors.toDoubles(rope.apply(x).narrow(2, 7, 5));
            double[] tail = Tensors.toDoubles(rope.apply(x.narrow(2, 7, 5), 7));
            Fixtures.assertClose(whole, tail, 0, "positions 7..11 rotated alone");
            // and the offset matters: the same slice at position 0 is rotated differently
            double[] atZero = Tensors.toDoubles(rope.apply(x.narrow(2, 7, 5)));
            assertThrows(AssertionError.class, () -> Fixtures.assertClose(whole, atZero, 1e-3, "offset ignored"));
        }
    }

    /** Linear scaling by 4: position 4k is rotated exactly as an unscaled table rotates position k. */
    @Test
    void linearScalingDividesThePositions() {
        try (PointerScope scope = new PointerScope(); RotaryEmbedding plain = new RotaryEmbedding(8, 16, 10000);
             RotaryEmbedding scaled = new RotaryEmbedding(8, 16, 10000, 4.0, ComputeDevice.cpu())) {
            Tensor x = Fixtures.randn(new Random(6), 1.0, ScalarType.Float, 1, 2, 1, 8);
            for (int k = 0; k < 4; k++) {
                Fixtures.assertClose(Tensors.toDoubles(plain.apply(x, k)), Tensors.toDoubles(scaled.apply(x, 4L * k)),
                        0, "position " + 4 * k + " scaled by 4");
            }
            assertThrows(AssertionError.class, () -> Fixtures.assertClose(Tensors.toDoubles(plain.apply(x, 4)),
                    Tensors.toDoubles(scaled.apply(x, 4)), 1e-3, "scaling ignored"));
        }
    }

    @Test
    void positionsPastTheTablesAreAnError() {
        try (PointerScope scope = new PointerScope(); RotaryEmbedding rope = new RotaryEmbedding(8, 16, 10000)) {
            Tensor x = Fixtures.randn(new Random(5), 1.0, ScalarType.Float, 1, 2, 3, 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rope.apply(x, 14));
            assertEquals("positions 14..16 are outside the RoPE tables (max_position_embeddings 16)", e.getMessage());
        }
    }
}
