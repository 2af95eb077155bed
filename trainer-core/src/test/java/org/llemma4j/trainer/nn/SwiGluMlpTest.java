package org.llemma4j.trainer.nn;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

class SwiGluMlpTest {

    /** fp32: 1e-5 of the scale; bf16 rounds after each of the three matmuls and the product (2e-2). */
    @ParameterizedTest
    @CsvSource({"Float, 1e-5", "BFloat16, 2e-2"})
    void matchesFp64Recomputation(ScalarType dtype, double tol) {
        try (PointerScope scope = new PointerScope()) {
            int tokens = 5;
            int h = 12;
            int ffn = 20;
            Random random = new Random(4);
            Tensor x = Fixtures.randn(random, 1.0, dtype, 1, tokens, h);
            Tensor gate = Fixtures.randn(random, 0.3, dtype, ffn, h);
            Tensor up = Fixtures.randn(random, 0.3, dtype, ffn, h);
            Tensor down = Fixtures.randn(random, 0.3, dtype, h, ffn);
            double[] xs = Tensors.toDoubles(x);
            double[] g = Tensors.toDoubles(gate);
            double[] u = Tensors.toDoubles(up);
            double[] dn = Tensors.toDoubles(down);

            double[] expected = new double[tokens * h];
            for (int n = 0; n < tokens; n++) {
                double[] hidden = new double[ffn];
                for (int f = 0; f < ffn; f++) {
                    double a = 0;
                    double c = 0;
                    for (int i = 0; i < h; i++) {
                        a += g[f * h + i] * xs[n * h + i];
                        c += u[f * h + i] * xs[n * h + i];
                    }
                    hidden[f] = a / (1 + Math.exp(-a)) * c;
                }
                for (int o = 0; o < h; o++) {
                    double acc = 0;
                    for (int f = 0; f < ffn; f++) {
                        acc += dn[o * ffn + f] * hidden[f];
                    }
                    expected[n * h + o] = acc;
                }
            }
            Tensor y = new SwiGluMlp(gate, up, down, TensorParallelPlan.SINGLE).forward(x);
            Fixtures.assertClose(expected, Tensors.toDoubles(y), tol, "SwiGLU " + dtype);
        }
    }
}
