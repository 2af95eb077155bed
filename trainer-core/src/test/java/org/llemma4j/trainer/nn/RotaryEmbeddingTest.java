package org.llemma4j.trainer.nn;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.tensor.Tensors;

class RotaryEmbeddingTest {

    /**
     * Rotate-half pairing (i with i + r/2) against a direct fp64 rotation. fp32 tables hold angles to ~1e-7
     * relative, so fp32 results agree to 1e-5 of the scale even at base 1e6; bf16 rounds the output (1e-2).
     */
    @ParameterizedTest
    @CsvSource({
        "Float, 10000, 1.0, 1e-5",
        "Float, 1000000, 1.0, 1e-5",
        "Float, 10000, 0.5, 1e-5",
        "BFloat16, 10000, 1.0, 1e-2"})
    void matchesFp64Rotation(ScalarType dtype, double base, double pct, double tol) {
        try (PointerScope scope = new PointerScope()) {
            int b = 2;
            int heads = 3;
            int t = 11;
            int d = 16;
            int rd = (int) (d * pct);
            Tensor x = Fixtures.randn(new Random(2), 1.0, dtype, b, heads, t, d);
            double[] xs = Tensors.toDoubles(x);
            double[] expected = xs.clone();
            for (int bh = 0; bh < b * heads; bh++) {
                for (int pos = 0; pos < t; pos++) {
                    int row = (bh * t + pos) * d;
                    for (int i = 0; i < rd / 2; i++) {
                        double angle = pos / Math.pow(base, 2.0 * i / rd);
                        double x1 = xs[row + i];
                        double x2 = xs[row + i + rd / 2];
                        expected[row + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                        expected[row + i + rd / 2] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
                    }
                }
            }
            try (RotaryEmbedding rope = new RotaryEmbedding(rd, 32, base)) {
                Fixtures.assertClose(expected, Tensors.toDoubles(rope.apply(x)), tol, "RoPE " + dtype);
            }
        }
    }
}
