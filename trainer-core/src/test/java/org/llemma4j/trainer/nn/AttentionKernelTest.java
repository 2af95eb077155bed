package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.tensor.Tensors;

class AttentionKernelTest {

    /**
     * Against an explicit fp64 softmax(Q K^T / sqrt(d) + causal mask) V with query head h reading KV head
     * h / (heads / kvHeads). fp32: 1e-5 of the scale. bf16 kernels keep bf16 intermediates (the probabilities and
     * the output; MATMUL also the scores), hence 2e-2.
     */
    @ParameterizedTest
    @CsvSource({
        "SDPA, Float, 4, 4, 1e-5",
        "SDPA, Float, 4, 2, 1e-5",
        "SDPA_FP32, Float, 4, 1, 1e-5",
        "SDPA, BFloat16, 4, 2, 2e-2",
        "SDPA_FP32, BFloat16, 4, 2, 2e-2",
        "MATMUL, Float, 4, 2, 1e-5",
        "MATMUL, BFloat16, 4, 2, 2e-2"})
    void matchesExplicitSoftmax(AttentionKernel kernel, ScalarType dtype, int heads, int kvHeads, double tol) {
        try (PointerScope scope = new PointerScope()) {
            int b = 2;
            int t = 9;
            int d = 8;
            Random random = new Random(3);
            Tensor q = Fixtures.randn(random, 1.0, dtype, b, heads, t, d);
            Tensor k = Fixtures.randn(random, 1.0, dtype, b, kvHeads, t, d);
            Tensor v = Fixtures.randn(random, 1.0, dtype, b, kvHeads, t, d);
            double[] qs = Tensors.toDoubles(q);
            double[] ks = Tensors.toDoubles(k);
            double[] vs = Tensors.toDoubles(v);

            double[] expected = new double[b * heads * t * d];
            for (int bi = 0; bi < b; bi++) {
                for (int h = 0; h < heads; h++) {
                    int kvh = h / (heads / kvHeads);
                    for (int i = 0; i < t; i++) {
                        double[] scores = new double[i + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= i; j++) {
                            double dot = 0;
                            for (int c = 0; c < d; c++) {
                                dot += qs[((bi * heads + h) * t + i) * d + c] * ks[((bi * kvHeads + kvh) * t + j) * d + c];
                            }
                            scores[j] = dot / Math.sqrt(d);
                            max = Math.max(max, scores[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j <= i; j++) {
                            scores[j] = Math.exp(scores[j] - max);
                            sum += scores[j];
                        }
                        for (int c = 0; c < d; c++) {
                            double acc = 0;
                            for (int j = 0; j <= i; j++) {
                                acc += scores[j] / sum * vs[((bi * kvHeads + kvh) * t + j) * d + c];
                            }
                            expected[((bi * heads + h) * t + i) * d + c] = acc;
                        }
                    }
                }
            }
            Fixtures.assertClose(expected, Tensors.toDoubles(kernel.attend(q, k, v)), tol,
                    kernel + " " + dtype + " heads " + heads + "/" + kvHeads);
        }
    }

    /**
     * The unfused kernel with fewer queries than keys (the last positions, as in generation with cached keys and
     * values) gives the last rows of the full computation: the causal mask is aligned to the end.
     */
    @Test
    void unfusedKernelAlignsFewerQueriesToTheLastPositions() {
        try (PointerScope scope = new PointerScope()) {
            Random random = new Random(8);
            Tensor q = Fixtures.randn(random, 1.0, ScalarType.Float, 2, 4, 9, 8);
            Tensor k = Fixtures.randn(random, 1.0, ScalarType.Float, 2, 2, 9, 8);
            Tensor v = Fixtures.randn(random, 1.0, ScalarType.Float, 2, 2, 9, 8);
            Tensor full = AttentionKernel.MATMUL.attend(q, k, v);
            Tensor last = AttentionKernel.MATMUL.attend(q.narrow(2, 6, 3), k, v);
            Fixtures.assertClose(Tensors.toDoubles(full.narrow(2, 6, 3)), Tensors.toDoubles(last), 1e-6,
                    "last 3 queries of 9");
        }
    }

    @Test
    void cpuUsesTheUnfusedKernelWhileItsScoresStaySmall() {
        assertEquals(AttentionKernel.MATMUL, AttentionKernel.forCpu(8, 8, 256));
        assertEquals(AttentionKernel.MATMUL, AttentionKernel.forCpu(4, 12, 512));
        // 4 x 12 x 1024^2 x 4 bytes = 192 MiB of scores per layer: the flash kernel instead.
        assertEquals(AttentionKernel.SDPA_FP32, AttentionKernel.forCpu(4, 12, 1024));
    }
}
