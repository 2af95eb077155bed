package org.llemma4j.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

class TimedStepsTest {

    private static final LlamaConfig SMALL = LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(2)
            .intermediateSize(64).vocabSize(100).maxPositions(16).build();

    /**
     * On the CPU, operations finish on return, so the phases lie inside the host's issue time, which lies inside
     * the synchronised wall time; a step reads the device once (the gradient norm), the warm-up included.
     */
    @Test
    void phasesNestInTheHostTimeAndAStepReadsTheDeviceOnce() {
        TimedSteps timed = measure(0, 3);
        assertTrue(timed.forward() > 0 && timed.backward() > 0 && timed.optimizer() > 0, timed.toString());
        assertTrue(timed.accumulate() <= timed.backward(), timed.toString());
        assertTrue(timed.forward() + timed.backward() + timed.optimizer() <= timed.hostIssue(), timed.toString());
        assertTrue(timed.hostIssue() <= timed.wall(), timed.toString());
    }

    /** With recomputation forward and backward are one phase: backward holds both, forward is 0. */
    @Test
    void recomputationTimesForwardAndBackwardTogether() {
        TimedSteps timed = measure(1, 1);
        assertEquals(0, timed.forward(), timed.toString());
        assertTrue(timed.backward() > 0 && timed.step() == timed.backward() + timed.optimizer(), timed.toString());
    }

    private static TimedSteps measure(int recomputeLayers, int steps) {
        ComputeDevice cpu = ComputeDevice.cpu(1);
        ParallelContext single = ParallelContext.single(cpu);
        int[] tokens = new Random(1).ints(2 * 17, 0, SMALL.vocabSize()).toArray();
        try (Llama model = new Llama(SMALL, TensorParallelPlan.SINGLE, ScalarType.BFloat16, AttentionKernel.MATMUL,
                1, 1, cpu);
             DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                     new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0), single)) {
            long reads = Tensors.hostReads();
            TimedSteps timed = TimedSteps.measure(model, optimizer, single, tokens, 2, 16, steps, recomputeLayers,
                    () -> 0, BenchClock.WALL);
            assertEquals(steps + 1, Tensors.hostReads() - reads, "device reads in " + (steps + 1) + " steps");
            return timed;
        }
    }
}
