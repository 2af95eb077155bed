package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.tensor.Tensors;

/** Random inputs for layer tests, and the comparison every oracle test uses. */
final class Fixtures {

    private Fixtures() {
    }

    /** A tensor of the given dtype holding N(0, scale) draws from {@code random}. */
    static Tensor randn(Random random, double scale, ScalarType dtype, long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return Tensors.floatTensor(values, shape).to(dtype);
    }

    /**
     * Asserts |actual - expected| <= tol x max(1, |expected|_max) element-wise: relative to the tensor's scale, so
     * that entries near zero are not held to a relative bound they cannot meet.
     */
    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double scale = 1;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= tol * scale)) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i] + " (error " + err
                        + " > " + tol + " x " + scale + ")");
            }
        }
    }
}
