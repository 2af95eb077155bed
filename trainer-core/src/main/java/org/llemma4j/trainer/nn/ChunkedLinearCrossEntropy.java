package org.llemma4j.trainer.nn;

import static org.llemma4j.trainer.tensor.Tensors.scalar;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.ReduceKind;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.tp.VocabRange;

/**
 * The output layer and the mean token cross entropy in one pass over chunks of tokens, so that the fp32
 * (tokens x vocabulary) logits never exist whole.
 *
 * <p>Why: with a 32k vocabulary the logits of a 2048-token micro-batch are 65M values; in fp32 with their
 * softmax and gradient that is ~0.8 GB of fresh memory per step, and on CPUs the page faults and memory-bound
 * passes over it cost more than all the matrix multiplies (measured: ~8 s against ~0.8 s chunked for 2048 tokens
 * at hidden 256). Chunk by chunk, each logits block is consumed at once in one fp32 buffer that every chunk
 * reuses: the loss, then the softmax gradient dL/dz, stored in the model dtype for the rows of up to
 * {@link #GROUP_BYTES} (a bf16 micro-batch of 2048 x 32000 whole). The gradients of the hidden states and of the
 * weight are then one matmul each over those rows, all in the forward pass.
 *
 * <p>Those gradients are handed to autograd with the surrogate r = h . dL/dh + W . dL/dW (dot products over all
 * elements), whose gradients are exactly dL/dh and dL/dW; the returned value is L + (r - r.detach()), which
 * equals L exactly and back-propagates like L. Scaling it (1 / gradient_accumulation_steps) scales the gradients,
 * as for a plain loss. dL/dz and the weight gradient are in the model dtype: for bf16 they are rounded where the
 * parameter gradient autograd delivers would be rounded anyway, the products themselves accumulate in fp32.
 *
 * <p>Vocab-parallel (tensor parallelism, Megatron's cross entropy): each rank holds the output rows of its
 * contiguous vocabulary range [rank x V_local, (rank + 1) x V_local) and computes only those logits. Per chunk the
 * row maxima are all-reduced (MAX), then the sums of exps and the target logits (SUM; a target outside the rank's
 * range contributes 0) in one collective; every rank then has the exact full-vocabulary loss and its own columns
 * of the softmax gradient. The full logits are never gathered. The hidden-state gradient computed here is this
 * rank's share (its columns of dL/dz times its rows of W); the hidden states come through the plan's f
 * ({@code copyToRegion}), whose backward sums those shares over the group when the surrogate's gradient
 * reaches it. The weight gradient is already complete for this rank's rows. The range and the masking of the
 * targets outside it are {@link VocabRange}'s, shared with the embedding.
 *
 * <p>Forward only: with autograd off ({@code NoGradGuard}, as in validation) or when neither input requires a
 * gradient, only the loss is computed: no gradient buffers, no softmax gradient, no gradient matmuls and no
 * surrogate, so the result carries no autograd graph.
 */
public final class ChunkedLinearCrossEntropy {

    /**
     * Logits values per chunk: 4M (16 MB in fp32) stays below glibc's largest mmap threshold (32 MB), so the
     * chunk buffers are recycled from the heap instead of being freshly mapped (and page-faulted) every time.
     */
    private static final long CHUNK_ELEMENTS = 4L << 20;

    /**
     * Bytes of dL/dz (model dtype) kept for the gradient matmuls: the rows of as many chunks as fit. A bf16
     * (2048 x 32000) micro-batch fits whole, so its weight gradient is one matmul with a 2048-long inner
     * dimension instead of 16 with a 131-long one.
     */
    private static final long GROUP_BYTES = 256L << 20;

    private ChunkedLinearCrossEntropy() {
    }

    /**
     * hidden: (N, H) model dtype, requires grad; weight: (V, H) model dtype; targets: (N,) int64
     * -> () mean cross entropy in fp32 (fp64 for fp64 models).
     */
    public static Tensor mean(Tensor hidden, Tensor weight, Tensor targets) {
        return mean(hidden, weight, targets, TensorParallelPlan.SINGLE);
    }

    /**
     * The vocab-parallel form: weight holds this rank's {@code V_local} vocabulary rows, the loss returned is the
     * mean over the whole vocabulary (identical on every rank of {@code tp}). At TP=1 it is {@link #mean(Tensor,
     * Tensor, Tensor)}.
     *
     * <p>hidden: (N, H), the output of {@code tp.copyToRegion}; weight: (V_local, H); targets: (N,) int64 in
     * [0, V_local x tp).
     */
    public static Tensor mean(Tensor hidden, Tensor weight, Tensor targets, TensorParallelPlan tp) {
        return mean(hidden, weight, targets, tp, GROUP_BYTES);
    }

    /** As above, keeping dL/dz for at most {@code groupBytes} at a time (tests use small groups). */
    static Tensor mean(Tensor hidden, Tensor weight, Tensor targets, TensorParallelPlan tp, long groupBytes) {
        String device = Placement.deviceOf(hidden);
        Placement.requireWith(weight, "the output layer's weight", device, "the hidden states");
        Placement.requireWith(targets, "the target token ids", device, "the hidden states");
        long n = hidden.size(0);
        long vocab = weight.size(0);
        long chunk = Math.max(1, Math.min(n, CHUNK_ELEMENTS / vocab));
        boolean parallel = tp.size() > 1;
        VocabRange range = VocabRange.of(tp, vocab);
        ScalarType dtype = Tensors.dtype(hidden);
        ScalarType lossType = dtype == ScalarType.Double ? ScalarType.Double : ScalarType.Float;
        boolean gradients = computesGradients(hidden, weight);
        boolean separateLossBuffer = dtype != lossType;
        // Rows of dL/dz kept for the gradient matmuls: a whole number of chunks within GROUP_BYTES.
        long groupRows = !gradients ? chunk
                : Math.min(n, Math.max(1, groupBytes / (vocab * hidden.element_size() * chunk)) * chunk);

        Tensor gradHidden = !gradients ? null    // (N, H) model dtype
                : torch.empty(Tensors.shape(hidden), Tensors.optionsLike(hidden, dtype), new MemoryFormatOptional());
        Tensor gradWeight = !gradients ? null    // (V, H) model dtype
                : torch.zeros(Tensors.shape(weight), Tensors.optionsLike(hidden, dtype));
        Tensor lossSum = torch.zeros(new long[] {}, Tensors.optionsLike(hidden, lossType));
        // Buffers reused by every chunk, so no chunk allocates (or page-faults) its own: dz (G, V) in the model
        // dtype holds a chunk's logits for the matmul, then its rows of dL/dz; zLoss (C, V) in fp32 is where the
        // softmax is computed (for an fp32 or fp64 model, dz's own rows).
        Tensor dz = torch.empty(new long[] {groupRows, vocab}, Tensors.optionsLike(hidden, dtype),
                new MemoryFormatOptional());
        Tensor zLoss = !separateLossBuffer ? null
                : torch.empty(new long[] {chunk, vocab}, Tensors.optionsLike(hidden, lossType),
                        new MemoryFormatOptional());
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor h = hidden.detach();
            Tensor w = weight.detach();
            Tensor wt = w.t();
            for (long group = 0; group < n; group += groupRows) {
                long rows = Math.min(groupRows, n - group);
                for (long first = group; first < group + rows; first += chunk) {
                    long len = Math.min(chunk, group + rows - first);
                    try (PointerScope scope = new PointerScope()) {
                        Tensor hc = h.narrow(0, first, len);                               // (C, H)
                        Tensor tc = targets.narrow(0, first, len).unsqueeze(1);            // (C, 1)
                        Tensor zcModel = dz.narrow(0, first - group, len);                 // (C, V) model dtype
                        torch.mm_out(zcModel, hc, wt);
                        Tensor zc = separateLossBuffer ? zLoss.narrow(0, 0, len).copy_(zcModel) : zcModel;   // fp32
                        Tensor foreign = null;                                             // (C, 1) bool
                        if (parallel) {
                            // Targets outside this rank's vocabulary range: gather row 0 and zero it, no -1 for them.
                            foreign = range.foreign(tc);
                            tc = range.localIds(tc, foreign);
                        }
                        // loss = logsumexp(z) - z[target], and dL/dz = (softmax(z) - onehot(target)) / N, built in
                        // place in z. logsumexp is spelled out: libtorch's CPU kernel for it measured ~40x slower
                        // than these five passes together (39 ms against ~1 ms for a 131 x 32000 chunk).
                        Tensor targetLogit = zc.gather(1, tc);                             // (C, 1)
                        Tensor max = zc.amax(new long[] {1}, true);                        // (C, 1)
                        if (parallel) {
                            targetLogit = range.zeroForeign(targetLogit, foreign);
                            tp.allReduce(max, ReduceKind.MAX);
                        }
                        Tensor sumExp = zc.sub_(max).exp_().sum(new long[] {1}, true, new ScalarTypeOptional());
                        if (parallel) {
                            // One collective for both sums: (C, 2) = [sum of exps | target logit].
                            Tensor sums = torch.cat(new TensorVector(sumExp, targetLogit), 1);
                            tp.allReduce(sums, ReduceKind.SUM);
                            sumExp = sums.narrow(1, 0, 1);
                            targetLogit = sums.narrow(1, 1, 1);
                        }
                        lossSum.add_(max.add(sumExp.log()).sub(targetLogit).sum());
                        if (!gradients) {
                            continue;
                        }
                        zc.mul_(sumExp.reciprocal().mul_(scalar(1.0 / n)));               // softmax / N
                        Tensor minusOne = torch.full(new long[] {len, 1}, scalar(-1.0 / n),
                                Tensors.optionsLike(hidden, lossType));                    // (C, 1)
                        if (parallel) {
                            minusOne = range.zeroForeign(minusOne, foreign);
                        }
                        zc.scatter_add_(1, tc, minusOne);
                        if (separateLossBuffer) {
                            zcModel.copy_(zc);
                        }
                    }
                }
                if (gradients) {
                    // Both gradient matmuls over the whole group at once: the weight gradient's inner dimension is
                    // the group's rows, not one chunk's, which the bf16 kernels need to run at their rate.
                    try (PointerScope scope = new PointerScope()) {
                        Tensor dzGroup = dz.narrow(0, 0, rows);                                    // (G, V)
                        torch.mm_out(gradHidden.narrow(0, group, rows), dzGroup, w);             // (G, H)
                        gradWeight.addmm_(dzGroup.t(), h.narrow(0, group, rows));                // (V, H)
                    }
                }
            }
        }
        Tensor loss = lossSum.div(scalar(n));
        if (!gradients) {
            return loss;
        }
        Tensor surrogate = torch.dot(hidden.reshape(-1), gradHidden.view(-1))
                .add(torch.dot(weight.reshape(-1), gradWeight.view(-1)));
        return loss.add(surrogate.sub(surrogate.detach()));
    }

    /** Whether {@link #mean} computes gradients: autograd is on and the hidden states or the weight want one. */
    static boolean computesGradients(Tensor hidden, Tensor weight) {
        return GradMode.is_enabled() && (hidden.requires_grad() || weight.requires_grad());
    }
}
