package org.llemma4j.trainer.nn;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.tensor.Tensors;

class RmsNormTest {

    /**
     * fp32 agrees with fp64 to float rounding (1e-5 of the scale). bf16 input and output: the result is rounded
     * to bf16's 8-bit mantissa once after the fp32 statistic and once after the gain, so 2 x 2^-8 ~ 1e-2.
     */
    @ParameterizedTest
    @CsvSource({"Float, 1e-5", "BFloat16, 1e-2"})
    void matchesFp64Recomputation(ScalarType dtype, double tol) {
        try (PointerScope scope = new PointerScope()) {
            Random random = new Random(1);
            int rows = 6;
            int h = 48;
            double eps = 1e-5;
            Tensor x = Fixtures.randn(random, 3.0, dtype, 2, 3, h);
            Tensor gain = Fixtures.randn(random, 1.0, dtype, h);
            double[] xs = Tensors.toDoubles(x);
            double[] g = Tensors.toDoubles(gain);

            double[] expected = new double[rows * h];
            for (int r = 0; r < rows; r++) {
                double sumSquares = 0;
                for (int i = 0; i < h; i++) {
                    sumSquares += xs[r * h + i] * xs[r * h + i];
                }
                double inv = 1 / Math.sqrt(sumSquares / h + eps);
                for (int i = 0; i < h; i++) {
                    expected[r * h + i] = xs[r * h + i] * inv * g[i];
                }
            }
            Tensor y = new RmsNorm(gain, eps).forward(x);
            Fixtures.assertClose(expected, Tensors.toDoubles(y), tol, "RMSNorm " + dtype);
        }
    }
}
