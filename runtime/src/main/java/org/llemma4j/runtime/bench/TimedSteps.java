package org.llemma4j.runtime.bench;

import java.util.function.LongSupplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * The timed training loop of the step benchmarks ({@code launch bench}, {@code scripts/bench-tp}): one warm-up
 * step, then {@code steps} timed ones of forward with loss, backward with gradient accumulation, and the AdamW
 * step, on the same fixed batch; the means per step, and the time inside collectives if the caller counts it.
 *
 * @param forward     seconds per step in forward and loss
 * @param backward    seconds per step in backward and gradient accumulation
 * @param accumulate  of which adding the bf16 gradients into the fp32 buffer
 * @param optimizer   seconds per step in the gradient norm and the AdamW step
 * @param collectives seconds per step inside collectives (0 when none are counted)
 */
public record TimedSteps(double forward, double backward, double accumulate, double optimizer, double collectives) {

    /**
     * @param parallel        the ranks the gradient norm is summed over
     * @param tokens          (batch x (seq + 1)) token ids, row-major
     * @param collectiveNanos a running total of the nanoseconds spent in collectives
     */
    public static TimedSteps measure(Llama model, DataParallelOptimizer optimizer, ParallelContext parallel, int[] tokens,
                              int batch, int seq, int steps, LongSupplier collectiveNanos) {
        return measure(model, optimizer, parallel, tokens, batch, seq, steps, collectiveNanos, BenchClock.WALL);
    }

    /** As above, timed by {@code clock}. */
    public static TimedSteps measure(Llama model, DataParallelOptimizer optimizer, ParallelContext parallel, int[] tokens,
                              int batch, int seq, int steps, LongSupplier collectiveNanos, BenchClock clock) {
        double forward = 0;
        double backward = 0;
        double accumulate = 0;
        double optimizerTime = 0;
        double collectives = 0;
        for (int step = -1; step < steps; step++) {          // step -1 warms up allocator and kernels
            long c0 = collectiveNanos.getAsLong();
            try (PointerScope scope = new PointerScope()) {
                Tensor all = Tensors.longTensor(tokens, batch, seq + 1);               // (B, T+1) int64
                long t0 = clock.getAsLong();
                Tensor loss = model.loss(all.narrow(1, 0, seq), all.narrow(1, 1, seq));
                long t1 = clock.getAsLong();
                optimizer.beginMicroBatch(true);
                loss.backward();
                long tb = clock.getAsLong();
                optimizer.endMicroBatch();
                long t2 = clock.getAsLong();
                double squares = parallel.sumOverWorld(Tensors.item(optimizer.reduceGradients()))[0];
                optimizer.step(1e-4, Math.sqrt(squares));
                long t3 = clock.getAsLong();
                if (step >= 0) {
                    forward += (t1 - t0) / 1e9;
                    backward += (t2 - t1) / 1e9;
                    accumulate += (t2 - tb) / 1e9;
                    optimizerTime += (t3 - t2) / 1e9;
                    collectives += (collectiveNanos.getAsLong() - c0) / 1e9;
                }
            }
        }
        return new TimedSteps(forward / steps, backward / steps, accumulate / steps, optimizerTime / steps,
                collectives / steps);
    }

    public double step() {
        return forward + backward + optimizer;
    }
}
