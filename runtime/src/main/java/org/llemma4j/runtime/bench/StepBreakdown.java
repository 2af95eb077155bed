package org.llemma4j.runtime.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.Attention;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.ChunkedLinearCrossEntropy;
import org.llemma4j.trainer.nn.RmsNorm;
import org.llemma4j.trainer.nn.RotaryEmbedding;
import org.llemma4j.trainer.nn.SwiGluMlp;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Where the forward and backward time of a training step goes, block by block: each of the model's own blocks
 * (the classes the model runs) timed forward and backward alone at the model's shapes on random bf16 inputs, best
 * of 3 after a warm-up (by the benchmark's clock), times the number of such blocks in a step. The matrix
 * multiplies of the attention and MLP blocks are also timed alone (the same linear layers, nothing else), so that
 * their non-matmul work (RoPE, scores, softmax, grouped-query expansion; SiLU and product) is the block minus its
 * matmuls.
 *
 * @param attentionBlocks  seconds per step in the attention blocks, all layers
 * @param attentionMatmuls of which the q, k, v and o projections
 * @param mlpBlocks        seconds per step in the MLP blocks, all layers
 * @param mlpMatmuls       of which the gate, up and down projections
 * @param norms            seconds per step in the 2L + 1 RMSNorms
 * @param outputAndLoss    seconds per step in the chunked output layer and cross entropy
 * @param matmulFlops      FLOPs per step of the projections (attention and MLP) and of the output layer
 * @param outputFlops      of which the output layer's
 */
public record StepBreakdown(double attentionBlocks, double attentionMatmuls, double mlpBlocks, double mlpMatmuls,
                     double norms, double outputAndLoss, double matmulFlops, double outputFlops) {

    private static final int REPS = 3;

    public static StepBreakdown measure(LlamaConfig c, int batch, int seq, AttentionKernel kernel, BenchClock clock) {
        long b = batch;
        long t = seq;
        long h = c.hiddenSize();
        long d = c.headDim();
        long q = c.numHeads() * d;
        long kv = c.numKvHeads() * d;
        long ffn = c.intermediateSize();
        long vocab = c.vocabSize();
        long tokens = b * t;
        int layers = c.numLayers();
        try (RotaryEmbedding rope = new RotaryEmbedding(c.rotaryDims(), seq, c.ropeBase())) {
            double attention = layers * time(clock, new long[][] {{b, t, h}, {q, h}, {kv, h}, {kv, h}, {h, q}},
                    l -> List.of(new Attention(l.get(1), l.get(2), l.get(3), l.get(4), d, rope, kernel,
                            TensorParallelPlan.SINGLE).forward(l.get(0))));
            double attentionMatmuls = layers * time(clock, new long[][] {{b, t, h}, {q, h}, {kv, h}, {kv, h}, {h, q},
                            {b, t, q}},
                    l -> List.of(torch.linear(l.get(0), l.get(1)), torch.linear(l.get(0), l.get(2)),
                            torch.linear(l.get(0), l.get(3)), torch.linear(l.get(5), l.get(4))));
            double mlp = layers * time(clock, new long[][] {{b, t, h}, {ffn, h}, {ffn, h}, {h, ffn}},
                    l -> List.of(new SwiGluMlp(l.get(1), l.get(2), l.get(3), TensorParallelPlan.SINGLE)
                            .forward(l.get(0))));
            double mlpMatmuls = layers * time(clock,
                    new long[][] {{b, t, h}, {ffn, h}, {ffn, h}, {h, ffn}, {b, t, ffn}},
                    l -> List.of(torch.linear(l.get(0), l.get(1)), torch.linear(l.get(0), l.get(2)),
                            torch.linear(l.get(4), l.get(3))));
            double norms = (2 * layers + 1) * time(clock, new long[][] {{b, t, h}, {h}},
                    l -> List.of(new RmsNorm(l.get(1), c.normEps()).forward(l.get(0))));
            int[] targets = new Random(3).ints((int) tokens, 0, (int) vocab).toArray();
            double output = time(clock, new long[][] {{tokens, h}, {vocab, h}},
                    l -> List.of(ChunkedLinearCrossEntropy.mean(l.get(0), l.get(1),
                            Tensors.longTensor(targets, tokens))));
            double perLayerFlops = 2.0 * tokens * h * (2 * q + 2 * kv + 3 * ffn);   // forward
            double outputFlops = 3 * 2.0 * tokens * h * vocab;                        // forward and backward
            return new StepBreakdown(attention, attentionMatmuls, mlp, mlpMatmuls, norms, output,
                    3 * layers * perLayerFlops + outputFlops, outputFlops);
        }
    }

    /** The time of the attention blocks outside their projections: RoPE, scores, softmax, GQA expansion. */
    public double attentionCore() {
        return attentionBlocks - attentionMatmuls;
    }

    /** The time of the MLP blocks outside their projections: SiLU, the product, their backward. */
    public double mlpElementwise() {
        return mlpBlocks - mlpMatmuls;
    }

    public double total() {
        return attentionBlocks + mlpBlocks + norms + outputAndLoss;
    }

    private interface Piece {
        /** The outputs of one forward pass over the leaves (parameters and inputs, in the order given). */
        List<Tensor> forward(List<Tensor> leaves);
    }

    /**
     * Best seconds of one forward and backward of {@code piece}: fresh leaves of the given shapes each time, and
     * an upstream gradient of each output's shape made before the clock starts.
     */
    private static double time(BenchClock clock, long[][] leafShapes, Piece piece) {
        double best = Double.MAX_VALUE;
        for (int rep = -1; rep < REPS; rep++) {
            try (PointerScope scope = new PointerScope()) {
                List<Tensor> leaves = new ArrayList<>();
                for (long[] shape : leafShapes) {
                    leaves.add(random(shape).requires_grad_(true));
                }
                long start = clock.getAsLong();
                List<Tensor> outputs = piece.forward(leaves);
                long forwardNanos = clock.getAsLong() - start;
                List<Tensor> upstream = new ArrayList<>();
                for (Tensor out : outputs) {
                    upstream.add(out.dim() == 0 ? torch.ones_like(out) : random(Tensors.shape(out)));
                }
                long backwardStart = clock.getAsLong();
                for (int i = 0; i < outputs.size(); i++) {
                    outputs.get(i).backward(upstream.get(i), new BoolOptional(), false, new TensorArrayRefOptional());
                }
                long nanos = forwardNanos + clock.getAsLong() - backwardStart;
                if (rep >= 0) {
                    best = Math.min(best, nanos / 1e9);
                }
            }
        }
        return best;
    }

    // bf16 N(0, 0.1): small enough that softmax and SiLU see ordinary values.
    private static Tensor random(long... shape) {
        return torch.randn(shape, new GeneratorOptional(torch.make_generator_cpu(2)),
                new TensorOptions(ScalarType.Float)).mul(Tensors.scalar(0.1)).to(ScalarType.BFloat16);
    }
}
