package org.llemma4j.trainer.optim;

import static org.llemma4j.trainer.nn.Tensors.scalar;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.Slice;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.nn.Tensors;

/**
 * AdamW over fp32 master weights for parameters that train in bf16 (or fp32), with fp32 gradient accumulation,
 * global gradient-norm clipping, and the optimizer state optionally sharded (ZeRO stage 1).
 *
 * <p>Every buffer mirrors {@link ParameterSet#flat()} element for element. The fp32 gradient buffer covers all
 * of it (micro-batch gradients are added into it); the master weights and the two Adam moments cover only this
 * rank's shard of it: all of it without ZeRO, 1/dp of it with ZeRO stage 1 (Megatron's distributed optimizer).
 * The caller reduces the gradient buffer across data-parallel ranks before {@link #step} (all-reduce without
 * ZeRO, reduce-scatter into {@link #gradientShard()} with it) and, with ZeRO, all-gathers the parameter buffer
 * after it. The update runs over the flat buffers in cache-sized chunks, not one small operation per parameter.
 *
 * <p>The master weights are copied from the parameters when the optimizer is built, so a model whose weights
 * were just loaded trains from those weights (GPT-NeoX's best-known bf16 bug was a loss jump at step 1 because its
 * master copy was initialized before loading).
 */
public final class MixedPrecisionAdamW implements AutoCloseable {

    /**
     * Elements the step updates at a time. The update is about ten elementwise operations over the gradient,
     * both moments and the master weights; over whole buffers each would stream them from memory again, chunk by
     * chunk the four 1 MB pieces stay in cache from the first operation to the last. The results are the same:
     * every operation is elementwise.
     */
    private static final long STEP_CHUNK = 1L << 18;

    private final ParameterSet params;
    private final AdamWSettings settings;
    private final Slice shard;         // this rank's range of the flat buffer
    private final Tensor grad;         // grad:       (padded,) fp32, sum of the micro-batch gradients
    private final Tensor gradShard;    // grad[shard] (shard,) fp32
    private final Tensor master;       // master:     (shard,) fp32
    private final Tensor expAvg;       // exp_avg:    (shard,) fp32
    private final Tensor expAvgSq;     // exp_avg_sq: (shard,) fp32
    private final List<Tensor> gradViews = new ArrayList<>();   // one per parameter, shaped like it
    private long steps;

    /** Unsharded: this process keeps the optimizer state of every parameter it holds. */
    public MixedPrecisionAdamW(ParameterSet params, AdamWSettings settings) {
        this(params, settings, new Slice(0, params.flat().numel()));
    }

    /** Keeps optimizer state for {@code shard} of the flat parameter buffer only (ZeRO stage 1). */
    public MixedPrecisionAdamW(ParameterSet params, AdamWSettings settings, Slice shard) {
        if (shard.end() > params.flat().numel()) {
            throw new IllegalArgumentException("optimizer shard [" + shard.offset() + ", " + shard.end()
                    + ") runs past the parameter buffer of " + params.flat().numel() + " elements");
        }
        this.params = params;
        this.settings = settings;
        this.shard = shard;
        this.grad = owned(torch.zeros(new long[] {params.flat().numel()}, new TensorOptions(ScalarType.Float)));
        this.gradShard = owned(grad.narrow(0, shard.offset(), shard.length()));
        this.master = owned(shardOf(params.flat()).detach().to(ScalarType.Float).clone());
        this.expAvg = owned(torch.zeros(new long[] {shard.length()}, new TensorOptions(ScalarType.Float)));
        this.expAvgSq = owned(torch.zeros(new long[] {shard.length()}, new TensorOptions(ScalarType.Float)));
        long offset = 0;
        for (Param p : params.params()) {
            gradViews.add(owned(grad.narrow(0, offset, p.localNumel()).view(p.localShape())));
            offset += p.localNumel();
        }
    }

    private Tensor shardOf(Tensor flat) {
        return flat.narrow(0, shard.offset(), shard.length());
    }

    private static Tensor owned(Tensor t) {
        t.retainReference();
        return t;
    }

    /**
     * Moves the gradients that the last backward pass left on the parameters into the fp32 buffer and clears
     * them. Call once per micro-batch.
     */
    public void accumulateGradients() {
        List<Param> list = params.params();
        for (int i = 0; i < list.size(); i++) {
            Tensor g = list.get(i).value().grad();
            if (g.defined()) {
                accumulateGradient(i, g);
                g.zero_();
            }
        }
    }

    /**
     * Adds {@code grad}, a gradient of parameter {@code index} (in buffer order), into the fp32 buffer: what
     * {@link #accumulateGradients} does for every parameter, for callers that receive gradients one by one as the
     * backward pass produces them.
     */
    public void accumulateGradient(int index, Tensor grad) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            gradViews.get(index).add_(grad);
        }
    }

    /** The whole fp32 gradient buffer, as the data-parallel reduction's input. */
    public Tensor gradientBuffer() {
        return grad;
    }

    /** This rank's part of the gradient buffer, where a reduce-scatter leaves its result. */
    public Tensor gradientShard() {
        return gradShard;
    }

    /** This rank's range of the flat parameter buffer. */
    public Slice shard() {
        return shard;
    }

    /** Sum of squares of this rank's gradient shard: summed over shards, the squared global gradient norm. */
    public double shardSquaredNorm() {
        double norm = Tensors.item(gradShard.norm());
        return norm * norm;
    }

    /**
     * Clips this rank's gradient shard to {@code gradient_clipping}, takes one AdamW step at learning rate
     * {@code lr}, writes the new weights of the shard into the parameters and clears the gradient buffer.
     *
     * @param gradNorm the global gradient norm (before clipping), the same on every rank
     */
    public void step(double lr, double gradNorm) {
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            double clip = settings.gradientClipping();
            boolean clipping = clip > 0 && gradNorm > clip;
            steps++;
            double b1 = settings.beta1();
            double b2 = settings.beta2();
            double biasCorrection1 = 1 - Math.pow(b1, steps);
            double biasCorrection2 = 1 - Math.pow(b2, steps);
            long decayed = Math.min(params.decayedNumel(), shard.end()) - shard.offset();   // decayed prefix
            boolean decaying = settings.weightDecay() > 0 && decayed > 0;
            Tensor weights = shardOf(params.flat());
            long n = master.numel();
            Tensor denominatorBuffer = torch.empty(new long[] {Math.min(n, STEP_CHUNK)},
                    new TensorOptions(ScalarType.Float), new MemoryFormatOptional());
            for (long first = 0; first < n; first += STEP_CHUNK) {
                long len = Math.min(STEP_CHUNK, n - first);
                try (PointerScope chunk = new PointerScope()) {
                    Tensor g = gradShard.narrow(0, first, len);
                    Tensor m = expAvg.narrow(0, first, len);
                    Tensor v = expAvgSq.narrow(0, first, len);
                    Tensor w = master.narrow(0, first, len);
                    if (clipping) {
                        g.mul_(scalar(clip / (gradNorm + 1e-6)));            // Megatron's clip coefficient
                    }
                    m.mul_(scalar(b1)).add_(g, scalar(1 - b1));
                    v.mul_(scalar(b2)).addcmul_(g, g, scalar(1 - b2));
                    Tensor denominator = torch.sqrt_out(denominatorBuffer.narrow(0, 0, len), v)
                            .div_(scalar(Math.sqrt(biasCorrection2))).add_(scalar(settings.eps()));
                    if (decaying && first < decayed) {
                        w.narrow(0, 0, Math.min(len, decayed - first)).mul_(scalar(1 - lr * settings.weightDecay()));
                    }
                    w.addcdiv_(m, denominator, scalar(-lr / biasCorrection1));
                    weights.narrow(0, first, len).copy_(w);
                }
            }
            grad.zero_();
        }
    }

    /** Drops the accumulated gradients without a step (a step skipped for a non-finite gradient). */
    public void discardGradients() {
        grad.zero_();
    }

    /** The parameters this optimizer updates. */
    public ParameterSet parameters() {
        return params;
    }

    /** The fp32 master weights of this rank's shard, for checkpoints. */
    public Tensor master() {
        return master;
    }

    /** Adam's first moment over this rank's shard, for checkpoints. */
    public Tensor expAvg() {
        return expAvg;
    }

    /** Adam's second moment over this rank's shard, for checkpoints. */
    public Tensor expAvgSq() {
        return expAvgSq;
    }

    /**
     * Continues from saved state: master weights and moments for the first {@code savedMaster.numel()} elements
     * of this rank's shard (the rest is padding), and the number of steps they had taken. The shard's parameters
     * are set from the master weights.
     */
    public void restore(Tensor savedMaster, Tensor savedExpAvg, Tensor savedExpAvgSq, long savedSteps) {
        long n = savedMaster.numel();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            master.narrow(0, 0, n).copy_(savedMaster.view(n));
            expAvg.narrow(0, 0, n).copy_(savedExpAvg.view(n));
            expAvgSq.narrow(0, 0, n).copy_(savedExpAvgSq.view(n));
            shardOf(params.flat()).copy_(master);
        }
        steps = savedSteps;
    }

    /** Optimizer steps taken so far (drives the bias correction). */
    public long steps() {
        return steps;
    }

    /** Bytes of optimizer state held: fp32 master weights and both moments of this rank's shard. */
    public long stateBytes() {
        return 3L * 4 * master.numel();
    }

    @Override
    public void close() {
        gradViews.forEach(Tensor::releaseReference);
        gradShard.releaseReference();
        master.releaseReference();
        grad.releaseReference();
        expAvg.releaseReference();
        expAvgSq.releaseReference();
    }
}
