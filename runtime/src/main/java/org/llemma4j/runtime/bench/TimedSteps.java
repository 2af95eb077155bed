package org.llemma4j.runtime.bench;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.DeviceTimer;
import org.llemma4j.parallel.device.HostTimer;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * The timed training loop of the step benchmarks ({@code launch bench}, {@code launch bench-tp}): one warm-up
 * step, then {@code steps} timed ones of forward with loss, backward with gradient accumulation, and the AdamW
 * step, on the same fixed batch on the model's device; the means per step, and the time inside collectives if the
 * caller counts it.
 *
 * <p>Phases are timed by interval timers that are read only after the last step: on CUDA the device's
 * {@link DeviceTimer} (events on the stream, so timing adds no synchronisation), on the CPU the benchmark's clock.
 * A step synchronises once, as the trainer's does: the gradient norm is read to clip and step. {@code wall} is the
 * host's clock over all timed steps with the device synchronised before and after, and {@code hostIssue} the
 * host's time in a step outside that one read: what the host takes to issue the step (Java and kernel launches).
 * On the CPU operations finish on return, so there {@code hostIssue} is the step itself. On CUDA it is exact as
 * long as the device's launch queue does not fill within a step (a launch then waits for the device).
 *
 * @param forward     seconds per step in forward and loss; 0 with recomputation, where backward holds both
 * @param backward    seconds per step in backward and gradient accumulation (with recomputation: forward too)
 * @param accumulate  of which adding the bf16 gradients into the fp32 buffer
 * @param optimizer   seconds per step in the gradient norm and the AdamW step
 * @param collectives seconds per step inside collectives (0 when none are counted)
 * @param wall        seconds per step on the host's clock, the device synchronised around the timed steps
 * @param hostIssue   seconds per step the host spends issuing the step, outside its one read of the device
 */
public record TimedSteps(double forward, double backward, double accumulate, double optimizer, double collectives,
                         double wall, double hostIssue) {

    /**
     * On the CPU, timed by the wall clock, without recomputation.
     *
     * @param parallel        the ranks the gradient norm is summed over
     * @param tokens          (batch x (seq + 1)) token ids, row-major
     * @param collectiveNanos a running total of the nanoseconds spent in collectives
     */
    public static TimedSteps measure(Llama model, DataParallelOptimizer optimizer, ParallelContext parallel,
                                     int[] tokens, int batch, int seq, int steps, LongSupplier collectiveNanos) {
        return measure(model, optimizer, parallel, tokens, batch, seq, steps, 0, collectiveNanos, BenchClock.WALL);
    }

    /**
     * On {@code parallel}'s device: timed by its {@link DeviceTimer}s on CUDA, by {@code clock} on the CPU.
     *
     * @param recomputeLayers layers per activation-checkpointing group; 0 keeps every activation
     */
    public static TimedSteps measure(Llama model, DataParallelOptimizer optimizer, ParallelContext parallel,
                                     int[] tokens, int batch, int seq, int steps, int recomputeLayers,
                                     LongSupplier collectiveNanos, BenchClock clock) {
        if (steps < 1) {
            throw new IllegalArgumentException("timed steps " + steps + " must be >= 1");
        }
        ComputeDevice device = parallel.device();
        Supplier<DeviceTimer> timers = device.kind() == DeviceKind.CUDA
                ? device::timer : () -> new HostTimer(clock);
        Step step = new Step(model, optimizer, parallel, tokens, batch, seq, recomputeLayers);
        try (DeviceTimer forward = timers.get(); DeviceTimer backward = timers.get();
             DeviceTimer accumulate = timers.get(); DeviceTimer optimizerTime = timers.get()) {
            DeviceTimer[] phases = {forward, backward, accumulate, optimizerTime};
            step.run(phases);                                   // warms up the allocator and the kernels
            device.synchronize();
            for (DeviceTimer t : phases) {
                t.seconds();                                    // read before reuse: CUDA events are then free
                t.reset();
            }
            long c0 = collectiveNanos.getAsLong();
            long hostIssue = 0;
            long wallStart = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                hostIssue += step.run(phases);
            }
            device.synchronize();
            long wall = System.nanoTime() - wallStart;
            return new TimedSteps(forward.seconds() / steps, backward.seconds() / steps,
                    accumulate.seconds() / steps, optimizerTime.seconds() / steps,
                    (collectiveNanos.getAsLong() - c0) / 1e9 / steps, wall / 1e9 / steps, hostIssue / 1e9 / steps);
        }
    }

    /** Seconds per step: forward, backward and optimizer as timed (on CUDA the device's time in them). */
    public double step() {
        return forward + backward + optimizer;
    }

    /** One training step on the fixed batch. */
    private record Step(Llama model, DataParallelOptimizer optimizer, ParallelContext parallel, int[] tokens,
                        int batch, int seq, int recomputeLayers) {

        /** Runs the step, timing {forward, backward, accumulate, optimizer}; returns the host's issue nanoseconds. */
        long run(DeviceTimer[] phases) {
            try (PointerScope scope = new PointerScope()) {
                long hostStart = System.nanoTime();
                Tensor all = Tensors.tokens(tokens, parallel.device(), batch, seq + 1);   // (B, T+1) int64
                Tensor inputs = all.narrow(1, 0, seq);
                Tensor targets = all.narrow(1, 1, seq);
                if (recomputeLayers == 0) {
                    phases[0].start();
                    Tensor loss = model.loss(inputs, targets);
                    phases[0].stop();
                    phases[1].start();
                    optimizer.beginMicroBatch(true);
                    loss.backward();
                } else {
                    phases[1].start();
                    optimizer.beginMicroBatch(true);
                    model.lossAndBackward(inputs, targets, 1.0, recomputeLayers);
                }
                phases[2].start();
                optimizer.endMicroBatch();
                phases[2].stop();
                phases[1].stop();
                phases[3].start();
                Tensor squares = optimizer.reduceGradients();
                long beforeRead = System.nanoTime();
                double norm = Math.sqrt(Tensors.item(parallel.sumOverWorld(squares)));   // the step's one read
                long afterRead = System.nanoTime();
                optimizer.step(1e-4, norm);
                phases[3].stop();
                return beforeRead - hostStart + System.nanoTime() - afterRead;
            }
        }
    }
}
