package org.llemma4j.trainer.tp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.parallel.Collectives;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Tensor parallelism over real Gloo groups (one thread per rank, each with its own rendezvous client and groups)
 * against one process holding the whole model, on the same batch and the same initialization: logits (gathered
 * over the vocabulary), loss, every parameter gradient (gathered along its shard dimension) and the global
 * gradient norm.
 *
 * <p>Errors are measured relative to the tensor's scale: max |tp - single| / max |single|. fp32 bound 1e-5: the
 * two differ only in summation order (row-parallel partial sums added by the all-reduce, the softmax denominator
 * summed in vocabulary pieces). bf16 bound 5e-2 (measured about 1e-2): at TP>1 each row-parallel partial product
 * is rounded to bf16 before the sum (one more bf16 rounding, 2^-8 relative, per layer output), and bf16 weight
 * gradients of 64-token sums keep 8 bits.
 */
class TensorParallelEquivalenceTest {

    private static final long SEED = 1234;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private static LlamaConfig config(int heads, int kvHeads, boolean tied) {
        // layers, hidden, heads, kv heads, ffn, vocab, max positions, eps, rotary pct, rope base, tied, init std
        return LlamaConfig.builder().numLayers(2).hiddenSize(64).numHeads(heads).numKvHeads(kvHeads)
                .intermediateSize(96).vocabSize(96).maxPositions(16).tieEmbeddings(tied).initStd(0.2).build();
    }

    /** The last case recomputes every layer in backward (activation checkpointing) on the tensor-parallel side. */
    @ParameterizedTest(name = "heads {0} / kv {1} at tp {2}, tied {3}, {4}, recompute {6}")
    @CsvSource({
        "4, 2, 2, false, Float, 1e-5, 0",
        "8, 4, 2, false, Float, 1e-5, 0",
        "8, 4, 4, false, Float, 1e-5, 0",
        "8, 4, 2, true, Float, 1e-5, 0",
        "8, 4, 2, false, BFloat16, 5e-2, 0",
        "8, 4, 2, false, Float, 1e-5, 1"})
    void tensorParallelMatchesOneProcess(int heads, int kvHeads, int tp, boolean tied, ScalarType dtype, double tol,
                                         int recompute) throws Exception {
        LlamaConfig config = config(heads, kvHeads, tied);
        int batch = 2;
        int seq = 12;
        Random random = new Random(99);
        int[] ids = random.ints(batch * (seq + 1), 0, config.vocabSize()).toArray();
        double[] worst = new double[tp];
        RankThreads.runAll(tp, tp, DEADLINE, dist -> {
            int rank = dist.dims().tpRank();
            Collectives group = dist.tp();
            try (GroupTensorParallelPlan plan = new GroupTensorParallelPlan(group)) {
                try (PointerScope scope = new PointerScope();
                     Llama single = new Llama(config, TensorParallelPlan.SINGLE, dtype, AttentionKernel.SDPA_FP32,
                             SEED);
                     Llama split = new Llama(config, plan, dtype, AttentionKernel.SDPA_FP32, SEED)) {
                    String tag = "rank " + rank + " of tp " + tp + " (" + dtype + ")";
                    Tensor all = Tensors.longTensor(ids, batch, seq + 1);
                    Tensor tokens = all.narrow(1, 0, seq);
                    Tensor targets = all.narrow(1, 1, seq);
                    double err = 0;

                    try (NoGradGuard noGrad = new NoGradGuard()) {
                        Tensor expected = single.forward(tokens);                        // (B, T, V)
                        Tensor local = split.forward(tokens);                            // (B, T, V / tp)
                        assertEquals(config.vocabSize() / tp, local.size(2), tag + ": local logits width");
                        Tensor gathered = group.allGather(local.contiguous().view(-1))
                                .view(tp, batch, seq, local.size(2)).permute(1, 2, 0, 3).reshape(batch, seq, -1);
                        err = Math.max(err, check(expected, gathered, tol, "logits, " + tag));
                    }

                    Tensor lossSingle = single.loss(tokens, targets);
                    double want = Tensors.item(lossSingle);
                    lossSingle.backward();
                    double got = Tensors.item(split.lossAndBackward(tokens, targets, 1.0, recompute));
                    assertEquals(want, got, tol * want, "loss, " + tag);
                    err = Math.max(err, Math.abs(got - want) / want);
                    assertEquals(2L * config.numLayers() + 1, plan.gradientReductions(),
                            "f's gradient all-reduces (attention and MLP per layer, output layer), " + tag);

                    List<Tensor> splitGrads = new ArrayList<>();
                    List<Tensor> singleGrads = new ArrayList<>();
                    for (Param p : split.parameters().params()) {
                        Tensor g = p.value().grad();
                        Tensor whole = gather(group, g, p);
                        Tensor expected = single.parameters().get(p.name()).grad();
                        assertArrayEquals(Tensors.shape(expected), Tensors.shape(whole), p.name() + " shape");
                        err = Math.max(err, check(expected, whole, tol, p.name() + " gradient, " + tag));
                        if (p.shardDim() == ShardDim.REPLICATED) {
                            // Replicated gains see the same (all-reduced) gradients on every rank: bit-identical.
                            Tensor copies = group.allGather(g.contiguous().view(-1)).view(tp, -1);
                            for (int r = 0; r < tp; r++) {
                                assertEquals(0.0, Tensors.item(copies.select(0, r).sub(g.view(-1)).abs().max()),
                                        p.name() + " gradient of rank " + r + " differs from rank " + rank + "'s");
                            }
                        }
                        splitGrads.add(g.to(ScalarType.Float).reshape(-1));
                        singleGrads.add(expected.to(ScalarType.Float).reshape(-1));
                    }
                    assertEquals(single.parameters().params().size(), splitGrads.size());

                    double normSplit = new GradientNorm(split.parameters().specs(), plan)
                            .global(torch.cat(new TensorVector(splitGrads.toArray(new Tensor[0])), 0));
                    double normSingle = new GradientNorm(single.parameters().specs(), TensorParallelPlan.SINGLE)
                            .global(torch.cat(new TensorVector(singleGrads.toArray(new Tensor[0])), 0));
                    assertEquals(normSingle, normSplit, tol * normSingle, "global gradient norm, " + tag);
                    worst[rank] = err;
                }
            }
        });
        double max = 0;
        for (double w : worst) {
            max = Math.max(max, w);
        }
        System.out.printf("TP=%d vs TP=1, %d heads / %d KV heads, tied %s, %s, recompute %d: largest relative error "
                + "%.2e%n", tp, heads, kvHeads, tied, dtype, recompute, max);
    }

    /** Asserts max |actual - expected| <= tol x max |expected|; returns the relative error. */
    static double check(Tensor expected, Tensor actual, double tol, String what) {
        Tensor e = expected.to(ScalarType.Double);
        Tensor a = actual.to(ScalarType.Double);
        double scale = Math.max(Tensors.item(e.abs().max()), 1e-30);
        double diff = Tensors.item(a.sub(e).abs().max());
        if (System.getenv("TP_VERBOSE") != null) {
            System.out.printf("  %-60s relative %.2e%n", what, diff / scale);
        }
        assertTrue(diff <= tol * scale, what + ": max |difference| " + diff + " > " + tol + " x scale " + scale
                + " (relative " + diff / scale + ")");
        return diff / scale;
    }

    /** The whole tensor of which {@code local} is this rank's slice along {@code p}'s shard dimension. */
    static Tensor gather(Collectives group, Tensor local, Param p) {
        int tp = group.group().size();
        return switch (p.shardDim()) {
            case REPLICATED -> local;
            case ROWS -> group.allGather(local.contiguous().view(-1)).view(p.fullShape());
            case COLUMNS -> group.allGather(local.contiguous().view(-1)).view(tp, local.size(0), local.size(1))
                    .permute(1, 0, 2).reshape(p.fullShape());
        };
    }

    @Test
    void indivisibleLayoutsAreRejectedBeforeAllocationNamingTheNumbers() {
        LlamaConfig c = LlamaConfig.builder().numLayers(1).hiddenSize(48).numHeads(6).numKvHeads(3)
                .intermediateSize(100).vocabSize(50).maxPositions(16).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Llama(c, new UnconnectedPlan(4), ScalarType.Float, AttentionKernel.SDPA, 1).close());
        assertEquals("model_parallel_size 4 does not split the model evenly: num_attention_heads 6 is not divisible "
                + "by 4 (remainder 2); num_kv_heads 3 is not divisible by 4 (remainder 3); vocab_size 50 is not "
                + "divisible by 4 (remainder 2)", e.getMessage());
    }
}
