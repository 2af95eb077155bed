package org.llemma4j.trainer.optim;

import static org.llemma4j.trainer.nn.Tensors.scalar;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.nn.Tensors;

/**
 * AdamW over fp32 master weights for parameters that train in bf16 (or fp32), with fp32 gradient accumulation
 * and global gradient-norm clipping.
 *
 * <p>Every buffer here mirrors {@link ParameterSet#flat()} element for element: the fp32 gradient buffer that
 * micro-batch gradients are added into, the fp32 master weights, and the two Adam moments. The update is then a
 * handful of whole-buffer operations instead of one small operation per parameter.
 *
 * <p>The master weights are copied from the parameters when the optimizer is built, so a model whose weights
 * were just loaded trains from those weights (GPT-NeoX's best-known bf16 bug was a loss jump at step 1 because its
 * master copy was initialized before loading).
 */
public final class MixedPrecisionAdamW implements AutoCloseable {

    private final ParameterSet params;
    private final AdamWSettings settings;
    private final Tensor master;       // master:   (numel,) fp32
    private final Tensor grad;         // grad:     (numel,) fp32, sum of the micro-batch gradients
    private final Tensor expAvg;       // exp_avg:  (numel,) fp32
    private final Tensor expAvgSq;     // exp_avg_sq: (numel,) fp32
    private final List<Tensor> gradViews = new ArrayList<>();   // one per parameter, shaped like it
    private long steps;

    public MixedPrecisionAdamW(ParameterSet params, AdamWSettings settings) {
        this.params = params;
        this.settings = settings;
        long n = params.numel();
        this.master = owned(params.flat().detach().to(ScalarType.Float).clone());
        this.grad = owned(torch.zeros(new long[] {n}, new TensorOptions(ScalarType.Float)));
        this.expAvg = owned(torch.zeros(new long[] {n}, new TensorOptions(ScalarType.Float)));
        this.expAvgSq = owned(torch.zeros(new long[] {n}, new TensorOptions(ScalarType.Float)));
        long offset = 0;
        for (Param p : params.params()) {
            gradViews.add(owned(grad.narrow(0, offset, p.localNumel()).view(p.localShape())));
            offset += p.localNumel();
        }
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
        try (NoGradGuard noGrad = new NoGradGuard()) {
            List<Param> list = params.params();
            for (int i = 0; i < list.size(); i++) {
                Tensor g = list.get(i).value().grad();
                if (g.defined()) {
                    gradViews.get(i).add_(g);
                    g.zero_();
                }
            }
        }
    }

    /** The fp32 gradient buffer, for collectives that reduce it across data-parallel ranks. */
    public Tensor gradientBuffer() {
        return grad;
    }

    /** The L2 norm of the accumulated gradient (before clipping). */
    public double gradientNorm() {
        return Tensors.item(grad.norm());
    }

    /**
     * Clips the accumulated gradient to {@code gradient_clipping}, takes one AdamW step at learning rate
     * {@code lr}, writes the new weights into the parameters and clears the gradient buffer.
     *
     * @param gradNorm the global gradient norm, as returned by {@link #gradientNorm()} or reduced across ranks
     */
    public void step(double lr, double gradNorm) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            double clip = settings.gradientClipping();
            if (clip > 0 && gradNorm > clip) {
                grad.mul_(scalar(clip / (gradNorm + 1e-6)));       // Megatron's clip coefficient
            }
            steps++;
            double b1 = settings.beta1();
            double b2 = settings.beta2();
            expAvg.mul_(scalar(b1)).add_(grad, scalar(1 - b1));
            expAvgSq.mul_(scalar(b2)).addcmul_(grad, grad, scalar(1 - b2));
            double biasCorrection1 = 1 - Math.pow(b1, steps);
            double biasCorrection2 = 1 - Math.pow(b2, steps);
            Tensor denominator = expAvgSq.sqrt().div_(scalar(Math.sqrt(biasCorrection2))).add_(scalar(settings.eps()));
            if (settings.weightDecay() > 0 && params.decayedNumel() > 0) {
                master.narrow(0, 0, params.decayedNumel()).mul_(scalar(1 - lr * settings.weightDecay()));
            }
            master.addcdiv_(expAvg, denominator, scalar(-lr / biasCorrection1));
            params.flat().copy_(master);
            grad.zero_();
        }
    }

    /** The parameters this optimizer updates. */
    public ParameterSet parameters() {
        return params;
    }

    /** The fp32 master weights, for checkpoints. */
    public Tensor master() {
        return master;
    }

    /** Adam's first moment, for checkpoints. */
    public Tensor expAvg() {
        return expAvg;
    }

    /** Adam's second moment, for checkpoints. */
    public Tensor expAvgSq() {
        return expAvgSq;
    }

    /**
     * Continues from saved state: the master weights and both moments (each shaped like {@link #master()}) and
     * the number of steps they had taken. The parameters are set from the master weights.
     */
    public void restore(Tensor savedMaster, Tensor savedExpAvg, Tensor savedExpAvgSq, long savedSteps) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            master.copy_(savedMaster.view(master.size(0)));
            expAvg.copy_(savedExpAvg.view(expAvg.size(0)));
            expAvgSq.copy_(savedExpAvgSq.view(expAvgSq.size(0)));
            params.flat().copy_(master);
        }
        steps = savedSteps;
    }

    /** Optimizer steps taken so far (drives the bias correction). */
    public long steps() {
        return steps;
    }

    /** Bytes of optimizer state held: fp32 master weights and both moments. */
    public long stateBytes() {
        return 3L * 4 * master.numel();
    }

    @Override
    public void close() {
        gradViews.forEach(Tensor::releaseReference);
        master.releaseReference();
        grad.releaseReference();
        expAvg.releaseReference();
        expAvgSq.releaseReference();
    }
}
