package org.llemma4j.trainer.zero;

import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.GradientNorm;
import org.llemma4j.trainer.dist.ParallelContext;

/**
 * The optimizer of one rank of a data-parallel group: it owns the fp32 gradient buffer, the optimizer state of its
 * range of the parameters, the data-parallel reductions (with their gradient buckets and overlap) and the step.
 * One optimizer step is, whatever the stage:
 * <pre>
 *   for each micro-batch: beginMicroBatch(last); forward and backward; endMicroBatch();
 *   Tensor squares = reduceGradients();       // this rank's share of the squared global gradient norm
 *   step(lr, sqrt(sum of squares over all ranks))   // or discardGradients() when the norm is not finite
 * </pre>
 * Megatron's DistributedOptimizer is the model for the sharded form: {@link ShardedOptimizer} (ZeRO stage 1).
 * {@link ReplicatedOptimizer} is stage 0. A ZeRO-2 optimizer would be a third implementation.
 */
public interface DataParallelOptimizer extends AutoCloseable {

    /**
     * The optimizer for {@code zero} on this rank's data-parallel group.
     *
     * @param deferredParams parameters whose gradient arrives in more than one backward pass per micro-batch
     *                       (see {@link OverlappedGradientReduction})
     */
    static DataParallelOptimizer create(ParameterSet params, AdamWSettings adamW, ZeroSettings zero,
                                        ParallelContext parallel, Set<String> deferredParams) {
        GradientNorm norm = new GradientNorm(params.specs(), parallel.tensorParallel());
        return zero.shardsOptimizer(parallel.dims().dp())
                ? new ShardedOptimizer(params, adamW, zero, parallel, norm, deferredParams)
                : new ReplicatedOptimizer(params, adamW, zero, parallel, norm, deferredParams);
    }

    /** Stage 0 without overlap: the optimizer of a single process, or of tensor-parallel ranks only. */
    static DataParallelOptimizer create(ParameterSet params, AdamWSettings adamW, ParallelContext parallel) {
        return create(params, adamW, ZeroSettings.REPLICATED, parallel, Set.of());
    }

    /** Before each micro-batch's forward and backward; {@code last} for the step's last one. */
    void beginMicroBatch(boolean last);

    /** After each micro-batch's backward pass: its gradients are in the fp32 buffer. */
    void endMicroBatch();

    /**
     * After the last micro-batch: reduces the accumulated gradients over the data-parallel group (what overlap has
     * not reduced yet) and returns this rank's share of the squared global gradient norm, a 0-dim fp64 tensor on the
     * parameters' device. Summed over every rank of the world it is the squared global norm.
     */
    Tensor reduceGradients();

    /**
     * Clips to {@code gradient_clipping} by the global norm, takes the AdamW step on this rank's range at learning
     * rate {@code lr}, makes the new weights visible in every rank's parameters, and clears the gradients.
     *
     * @param gradNorm the global gradient norm (before clipping), the same on every rank
     */
    void step(double lr, double gradNorm);

    /** Drops the accumulated gradients without a step (a step skipped for a non-finite gradient). */
    void discardGradients();

    /** The optimizer state this rank owns, for checkpoints. */
    AdamWState state();

    /** Whether the rank at data-parallel index {@code dpRank} writes its optimizer state into a checkpoint. */
    boolean writesState(int dpRank);

    /** One line for the start-up log: the stage, the state held and the buckets. */
    String describe();

    @Override
    void close();
}
