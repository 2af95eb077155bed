package org.llemma4j.trainer.tp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llemma4j.trainer.nn.ChunkedLinearCrossEntropy;
import org.llemma4j.trainer.nn.CrossEntropy;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * The vocab-parallel cross entropy (each rank holds a vocabulary range of the output layer) against the plain one
 * (whole logits, then cross entropy, then autograd), and the f and g operators on their own, over real Gloo groups.
 */
class VocabParallelCrossEntropyTest {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    /**
     * 40 tokens, hidden 8, vocabulary 300,000 (at TP=2 each rank's 150,000 rows are done in chunks of 27 tokens,
     * so the per-chunk collectives run more than once). Targets are random plus the first and last id of every
     * rank's range, so every rank owns targets, including at its edges. fp32: loss to 1e-6 relative, gradients to
     * 1e-5 of their scale (different summation orders only).
     */
    @ParameterizedTest(name = "tp {0}")
    @ValueSource(ints = {2, 4})
    void matchesThePlainCrossEntropy(int tp) throws Exception {
        int n = 40;
        int h = 8;
        int vocab = 300_000;
        int rows = vocab / tp;
        Random random = new Random(17);
        float[] hiddenValues = gaussians(random, n * h, 1.0);
        float[] weightValues = gaussians(random, vocab * h, 0.5);
        int[] ids = random.ints(n, 0, vocab).toArray();
        for (int r = 0; r < tp; r++) {
            ids[2 * r] = r * rows;                 // first id of rank r's range
            ids[2 * r + 1] = (r + 1) * rows - 1;   // last id of rank r's range
        }
        RankThreads.runAll(tp, tp, DEADLINE, dist -> {
            int rank = dist.dims().tpRank();
            String tag = "rank " + rank + " of tp " + tp;
            try (GroupTensorParallelPlan plan = new GroupTensorParallelPlan(dist.tp())) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor targets = Tensors.longTensor(ids, n);
                    long owned = (long) Tensors.item(targets.ge(Tensors.integer((long) rank * rows))
                            .logical_and(targets.lt(Tensors.integer((long) (rank + 1) * rows))).sum());
                    assertTrue(owned >= 2, tag + " owns " + owned + " targets");

                    Tensor hidden = Tensors.floatTensor(hiddenValues, n, h).requires_grad_(true);
                    Tensor weight = Tensors.floatTensor(weightValues, vocab, h).requires_grad_(true);
                    Tensor plain = CrossEntropy.mean(torch.linear(hidden, weight), targets);
                    plain.backward();

                    Tensor x = Tensors.floatTensor(hiddenValues, n, h).requires_grad_(true);
                    Tensor slice = Tensors.floatTensor(weightValues, vocab, h).narrow(0, (long) rank * rows, rows)
                            .clone().requires_grad_(true);
                    Tensor loss = ChunkedLinearCrossEntropy.mean(plan.copyToRegion(x), slice, targets, plan);
                    loss.backward();

                    double want = Tensors.item(plain);
                    assertEquals(want, Tensors.item(loss), 1e-6 * want, "loss, " + tag);
                    TensorParallelEquivalenceTest.check(hidden.grad(), x.grad(), 1e-5, "dL/dh (summed by f), " + tag);
                    TensorParallelEquivalenceTest.check(weight.grad().narrow(0, (long) rank * rows, rows),
                            slice.grad(), 1e-5, "dL/dW of this rank's rows, " + tag);
                }
            }
        });
    }

    /**
     * f: identity forward, and backward the sum over ranks of each rank's gradient; g: the sum over ranks forward,
     * identity backward. Small integers, so every result is exact.
     */
    @Test
    void conjugateOperatorsForwardAndBackward() throws Exception {
        int tp = 2;
        RankThreads.runAll(tp, tp, DEADLINE, dist -> {
            int rank = dist.tp().group().rank();
            double factor = rank + 1;                                    // 1 on rank 0, 2 on rank 1: sum 3
            try (CopyToRegion f = new CopyToRegion(dist.tp()); PointerScope scope = new PointerScope()) {
                ReduceFromRegion g = new ReduceFromRegion(dist.tp());
                float[] values = {1, 2, 3, 4, 5, 6};

                Tensor x = Tensors.floatTensor(values, 2, 3).requires_grad_(true);
                Tensor y = f.forward(x);
                assertEquals(0.0, Tensors.item(y.sub(x).abs().max()), "f forward is the identity");
                // Each rank's share of the gradient is factor x (1..6); f sums the shares: 3 x (1..6).
                y.mul(Tensors.floatTensor(values, 2, 3)).mul(Tensors.scalar(factor)).sum().backward();
                assertEquals(0.0, Tensors.item(x.grad().sub(Tensors.floatTensor(values, 2, 3).mul(Tensors.scalar(3)))
                        .abs().max()), "f backward sums the gradient over the group, rank " + rank);
                assertEquals(1, f.backwardCalls());

                Tensor p = Tensors.floatTensor(values, 2, 3).requires_grad_(true);
                Tensor s = g.forward(p.mul(Tensors.scalar(factor)));
                assertEquals(0.0, Tensors.item(s.sub(Tensors.floatTensor(values, 2, 3).mul(Tensors.scalar(3)))
                        .abs().max()), "g forward sums over the group, rank " + rank);
                s.mul(Tensors.floatTensor(values, 2, 3)).sum().backward();
                // d/dp of sum(values x g(factor x p)) with identity backward through g: factor x values.
                assertEquals(0.0, Tensors.item(p.grad().sub(Tensors.floatTensor(values, 2, 3)
                        .mul(Tensors.scalar(factor))).abs().max()), "g backward is the identity, rank " + rank);
            }
        });
    }

    private static float[] gaussians(Random random, int count, double scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return v;
    }
}
