package org.llemma4j.trainer.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.tensor.Tensors;

class ChunkedLinearCrossEntropyTest {

    /**
     * Against the plain path (full logits, then cross entropy, then autograd), with several chunks (a vocabulary
     * of 300k forces chunks of 13 tokens), dL/dz kept for all 40 tokens or for groups of 2 chunks (26 tokens: a
     * group of 2 chunks and one of a partial chunk). fp32: same loss to 1e-6 and gradients to 1e-5 of their scale;
     * the two sum the chunks in different orders. bf16: dL/dz and the gradients are rounded to bf16 (2e-2).
     */
    @ParameterizedTest
    @CsvSource({"Float, 1e-5, 0", "BFloat16, 2e-2, 0", "Float, 1e-5, 26", "BFloat16, 2e-2, 26"})
    void matchesFullLogitsCrossEntropy(ScalarType dtype, double tol, int groupRows) {
        try (PointerScope scope = new PointerScope()) {
            int n = 40;
            int h = 8;
            int vocab = 300_000;
            Random random = new Random(6);
            Tensor hidden = Fixtures.randn(random, 1.0, dtype, n, h).requires_grad_(true);
            Tensor weight = Fixtures.randn(random, 0.5, dtype, vocab, h).requires_grad_(true);
            int[] ids = random.ints(n, 0, vocab).toArray();
            Tensor targets = Tensors.longTensor(ids, n);

            long groupBytes = groupRows == 0 ? 1L << 40 : groupRows * vocab * hidden.element_size();
            Tensor chunked = ChunkedLinearCrossEntropy.mean(hidden, weight, targets, TensorParallelPlan.SINGLE,
                    groupBytes);
            chunked.mul(Tensors.scalar(0.5)).backward();     // a scaled loss scales the gradients
            double[] gradHiddenChunked = Tensors.toDoubles(hidden.grad());
            double[] gradWeightChunked = Tensors.toDoubles(weight.grad());
            hidden.grad().zero_();
            weight.grad().zero_();

            Tensor plain = CrossEntropy.mean(torch.linear(hidden, weight), targets);
            plain.mul(Tensors.scalar(0.5)).backward();

            assertEquals(Tensors.item(plain), Tensors.item(chunked), 1e-6 * Tensors.item(plain));
            Fixtures.assertClose(Tensors.toDoubles(hidden.grad()), gradHiddenChunked, tol, "dL/dh " + dtype);
            Fixtures.assertClose(Tensors.toDoubles(weight.grad()), gradWeightChunked, tol, "dL/dW " + dtype);
        }
    }

    /**
     * Validation's path: with autograd off the loss is computed without any gradient work (no gradient buffers,
     * no softmax gradient, no surrogate), so it carries no autograd graph; its value is bit-identical to the
     * training path's, which sums the same chunks in the same order.
     */
    @Test
    void forwardOnlyUnderNoGradBuildsNoGraph() {
        try (PointerScope scope = new PointerScope()) {
            int n = 40;
            int vocab = 300_000;
            Random random = new Random(7);
            Tensor hidden = Fixtures.randn(random, 1.0, ScalarType.BFloat16, n, 8).requires_grad_(true);
            Tensor weight = Fixtures.randn(random, 0.5, ScalarType.BFloat16, vocab, 8).requires_grad_(true);
            Tensor targets = Tensors.longTensor(random.ints(n, 0, vocab).toArray(), n);

            assertTrue(ChunkedLinearCrossEntropy.computesGradients(hidden, weight));
            Tensor trained = ChunkedLinearCrossEntropy.mean(hidden, weight, targets);
            assertTrue(trained.requires_grad() && hasGraph(trained), "the training loss back-propagates");
            try (NoGradGuard noGrad = new NoGradGuard()) {
                assertFalse(ChunkedLinearCrossEntropy.computesGradients(hidden, weight));
                Tensor evaluated = ChunkedLinearCrossEntropy.mean(hidden, weight, targets);
                assertFalse(evaluated.requires_grad() || hasGraph(evaluated), "validation built an autograd graph");
                assertEquals(Tensors.item(trained), Tensors.item(evaluated));
            }
            // Inputs that want no gradient (frozen weights, detached states) take the forward-only path as well.
            assertFalse(ChunkedLinearCrossEntropy.computesGradients(hidden.detach(), weight.detach()));
        }
    }

    private static boolean hasGraph(Tensor t) {
        Node node = t.grad_fn();
        return node != null && !node.isNull();
    }
}
