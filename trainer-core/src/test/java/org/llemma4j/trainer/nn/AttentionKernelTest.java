package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
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
                                dot += qs[((bi * heads + h) * t + i) * d + c]
                                        * ks[((bi * kvHeads + kvh) * t + j) * d + c];
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

    /**
     * Grouped-query attention through SDPA's enable_gqa (no copies of k and v) against SDPA on k and v copied per
     * query head with repeat_interleave, the computation it replaces: outputs and the gradients of q, k and v
     * within 1e-5 in fp32, relative to the larger of 1 and the tensor's largest magnitude (inputs are N(0, 1)), for
     * causal attention from position 0 and for the last 3 queries after cached positions.
     */
    @ParameterizedTest
    @CsvSource({"SDPA, 4, 2, 9", "SDPA, 6, 2, 9", "SDPA_FP32, 8, 2, 9", "SDPA, 4, 1, 3", "SDPA_FP32, 4, 2, 3"})
    void groupedQueryAttentionEqualsRepeatedKeysAndValues(AttentionKernel kernel, int heads, int kvHeads, int tq) {
        try (PointerScope scope = new PointerScope()) {
            int t = 9;
            Random random = new Random(5);
            Tensor q = Fixtures.randn(random, 1.0, ScalarType.Float, 2, heads, tq, 8).requires_grad_(true);
            Tensor k = Fixtures.randn(random, 1.0, ScalarType.Float, 2, kvHeads, t, 8).requires_grad_(true);
            Tensor v = Fixtures.randn(random, 1.0, ScalarType.Float, 2, kvHeads, t, 8).requires_grad_(true);
            Tensor upstream = Fixtures.randn(random, 1.0, ScalarType.Float, 2, heads, tq, 8);
            Tensor grouped = kernel.attend(q, k, v);
            grouped.mul(upstream).sum().backward();
            double[][] gqaGrads = {Tensors.toDoubles(q.grad()), Tensors.toDoubles(k.grad()),
                Tensors.toDoubles(v.grad())};

            Tensor q2 = q.detach().clone().requires_grad_(true);
            Tensor k2 = k.detach().clone().requires_grad_(true);
            Tensor v2 = v.detach().clone().requires_grad_(true);
            LongOptional heads1 = new LongOptional(1);
            Tensor kRepeated = k2.repeat_interleave(heads / kvHeads, heads1, new LongOptional());
            Tensor vRepeated = v2.repeat_interleave(heads / kvHeads, heads1, new LongOptional());
            Tensor mask = torch.ones(new long[] {tq, t}, new TensorOptions(ScalarType.Bool)).tril(t - tq);
            Tensor repeated = torch.scaled_dot_product_attention(q2, kRepeated, vRepeated, new TensorOptional(mask),
                    0.0, false, new DoubleOptional(), false);
            repeated.mul(upstream).sum().backward();

            String what = kernel + " heads " + heads + "/" + kvHeads + ", " + tq + " of " + t + " queries";
            Fixtures.assertClose(Tensors.toDoubles(repeated), Tensors.toDoubles(grouped), 1e-5, what);
            Fixtures.assertClose(Tensors.toDoubles(q2.grad()), gqaGrads[0], 1e-5, what + ", dq");
            Fixtures.assertClose(Tensors.toDoubles(k2.grad()), gqaGrads[1], 1e-5, what + ", dk");
            Fixtures.assertClose(Tensors.toDoubles(v2.grad()), gqaGrads[2], 1e-5, what + ", dv");
        }
    }

    /**
     * With the flash backend forced, the math and memory-efficient SDPA implementations are off, and the CPU's
     * fused flash kernel still serves causal attention (the same result as with every backend allowed); the
     * default is restored afterwards, as the setting is process-wide.
     */
    @Test
    void flashBackendSwitchesTheOtherSdpaImplementationsOff() {
        try (PointerScope scope = new PointerScope()) {
            Random random = new Random(6);
            Tensor q = Fixtures.randn(random, 1.0, ScalarType.Float, 1, 4, 9, 8);
            Tensor k = Fixtures.randn(random, 1.0, ScalarType.Float, 1, 2, 9, 8);
            Tensor v = Fixtures.randn(random, 1.0, ScalarType.Float, 1, 2, 9, 8);
            Tensor any = AttentionKernel.SDPA.attend(q, k, v);
            try {
                SdpaBackend.FLASH.apply();
                assertEquals("flash", SdpaBackend.enabled());
                Fixtures.assertClose(Tensors.toDoubles(any), Tensors.toDoubles(AttentionKernel.SDPA.attend(q, k, v)),
                        1e-6, "flash only");
            } finally {
                SdpaBackend.ANY.apply();
            }
            assertEquals("flash, memory-efficient, math, cuDNN", SdpaBackend.enabled());
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
