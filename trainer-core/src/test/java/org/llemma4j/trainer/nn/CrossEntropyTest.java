package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.tensor.Tensors;

class CrossEntropyTest {

    /**
     * Mean of logsumexp(z) - z[target] in fp64. The loss is computed in fp32 from the (possibly bf16) logits, so
     * bf16 only affects the inputs, which the oracle reads back rounded: both cases agree to fp32 rounding.
     */
    @ParameterizedTest
    @CsvSource({"Float", "BFloat16"})
    void matchesFp64LogSumExp(ScalarType dtype) {
        try (PointerScope scope = new PointerScope()) {
            int n = 7;
            int vocab = 300;
            Random random = new Random(5);
            Tensor logits = Fixtures.randn(random, 4.0, dtype, n, vocab);
            int[] targets = new int[n];
            for (int i = 0; i < n; i++) {
                targets[i] = random.nextInt(vocab);
            }
            double[] z = Tensors.toDoubles(logits);
            double expected = 0;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < vocab; c++) {
                    max = Math.max(max, z[i * vocab + c]);
                }
                double sum = 0;
                for (int c = 0; c < vocab; c++) {
                    sum += Math.exp(z[i * vocab + c] - max);
                }
                expected += max + Math.log(sum) - z[i * vocab + targets[i]];
            }
            expected /= n;
            Tensor loss = CrossEntropy.mean(logits, Tensors.longTensor(targets, n));
            assertEquals(ScalarType.Float, Tensors.dtype(loss));
            assertEquals(expected, Tensors.item(loss), 1e-5 * expected);
        }
    }
}
