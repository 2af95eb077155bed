package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Tensors with distinct, reproducible values, and exact comparisons. */
public final class TestTensors {

    private TestTensors() {
    }

    /** 0, 1, 2, ... (scaled by 1/8 so bf16 holds them exactly for small sizes) in {@code dtype}, shaped. */
    public static Tensor arange(ScalarType dtype, double offset, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        Tensor t = torch.arange(new org.bytedeco.pytorch.Scalar(n), new TensorOptions(ScalarType.Double));
        return t.div(new org.bytedeco.pytorch.Scalar(8.0)).add(new org.bytedeco.pytorch.Scalar(offset))
                .to(dtype).reshape(shape).contiguous();
    }

    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    /** Same dtype, same shape, same bits. */
    public static void assertBitEqual(Tensor expected, Tensor actual) {
        assertEquals(expected.scalar_type().intern(), actual.scalar_type().intern(), "dtype");
        assertArrayEquals(shape(expected), shape(actual), "shape");
        assertTrue(expected.equal(actual), "values differ");
    }
}
