package org.llemma4j.trainer.zero;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.Slice;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.optim.AdamW;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tensor.Placement;

/**
 * The optimizer state one rank owns: fp32 master weights and the two Adam moments for one range of the flat
 * parameter buffer (all of it without ZeRO, this rank's 1/dp shard with ZeRO-1), and the step count.
 *
 * <p>The master weights are copied from the parameters when the state is built, so a model whose weights were just
 * loaded trains from those weights (GPT-NeoX's best-known bf16 bug was a loss jump at step 1 because its master copy
 * was initialized before loading).
 */
public final class AdamWState implements AutoCloseable {

    private final ParameterSet params;
    private final AdamWSettings settings;
    private final Slice range;         // this rank's range of the flat buffer
    private final Tensor master;       // master:     (range,) fp32
    private final Tensor expAvg;       // exp_avg:    (range,) fp32
    private final Tensor expAvgSq;     // exp_avg_sq: (range,) fp32
    private long steps;

    public AdamWState(ParameterSet params, AdamWSettings settings, Slice range) {
        if (range.end() > params.flat().numel()) {
            throw new IllegalArgumentException("optimizer range [" + range.offset() + ", " + range.end()
                    + ") runs past the parameter buffer of " + params.flat().numel() + " elements");
        }
        this.params = params;
        this.settings = settings;
        this.range = range;
        this.master = owned(parameterRange().detach().to(ScalarType.Float).clone());
        this.expAvg = owned(master.new_zeros(new long[] {range.length()}));
        this.expAvgSq = owned(master.new_zeros(new long[] {range.length()}));
        Placement.requireWith(master, "the fp32 master weights", params.flat(), "the parameter buffer");
        Placement.requireWith(expAvgSq, "Adam's moments", params.flat(), "the parameter buffer");
    }

    private static Tensor owned(Tensor t) {
        t.retainReference();
        return t;
    }

    private Tensor parameterRange() {
        return params.flat().narrow(0, range.offset(), range.length());
    }

    /**
     * Clips {@code grad} (this range's reduced gradient, (range,) fp32) to {@code gradient_clipping} by the global
     * norm, takes one AdamW step at learning rate {@code lr}, and writes the new weights into the parameters' range.
     *
     * @param gradNorm the global gradient norm before clipping, the same on every rank
     */
    void step(Tensor grad, double lr, double gradNorm) {
        Placement.requireWith(grad, "the reduced gradient of the optimizer's range", master,
                "the fp32 master weights");
        double clip = settings.gradientClipping();
        double coefficient = clip > 0 && gradNorm > clip ? clip / (gradNorm + 1e-6) : 1;   // Megatron's coefficient
        steps++;
        long decayed = Math.max(0, Math.min(params.decayedNumel(), range.end()) - range.offset());
        AdamW.step(master, expAvg, expAvgSq, grad, parameterRange(), decayed, settings, lr, steps, coefficient);
    }

    /** The range of the flat parameter buffer this state covers. */
    public Slice range() {
        return range;
    }

    /** Elements of {@link #range()} that hold parameters: the end of the flat buffer is padding. */
    public long unpaddedLength() {
        return Math.max(0, Math.min(range.end(), params.numel()) - range.offset());
    }

    /** The parameters whose state this is. */
    public ParameterSet parameters() {
        return params;
    }

    /** The fp32 master weights of the range, for checkpoints. */
    public Tensor master() {
        return master;
    }

    /** Adam's first moment over the range, for checkpoints. */
    public Tensor expAvg() {
        return expAvg;
    }

    /** Adam's second moment over the range, for checkpoints. */
    public Tensor expAvgSq() {
        return expAvgSq;
    }

    /** Optimizer steps taken so far (drives the bias correction). */
    public long steps() {
        return steps;
    }

    /** Bytes held: fp32 master weights and both moments. */
    public long bytes() {
        return 3L * 4 * master.numel();
    }

    /**
     * Continues from saved state that was copied into {@link #master()}, {@link #expAvg()} and {@link #expAvgSq()}
     * piece by piece (a checkpoint streams it from the host in bounded pieces, so no whole host copy is made): sets
     * the range's parameters from the master weights and the number of steps the saved state had taken.
     */
    public void restored(long savedSteps) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parameterRange().copy_(master);
        }
        steps = savedSteps;
    }

    @Override
    public void close() {
        master.releaseReference();
        expAvg.releaseReference();
        expAvgSq.releaseReference();
    }
}
