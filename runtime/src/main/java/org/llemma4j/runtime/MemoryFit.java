package org.llemma4j.runtime;

import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.plan.RankMemory;

/**
 * The check that a run's per-rank memory fits its device, made before anything of the model is allocated: the
 * planner's estimate for this config and world ({@link RankMemory}, what {@code launch plan} prints) against
 * {@link ComputeDevice#requireFits}. On a GPU the estimate includes the fixed allowance for the CUDA context and
 * NCCL buffers; on the CPU it is the tensors alone, against the host's memory shared by the node's ranks.
 */
final class MemoryFit {

    private MemoryFit() {
    }

    /**
     * @param worldSize the run's ranks; a world that is not a multiple of {@code model_parallel_size} is left to
     *                  the process groups, which refuse it with their own message
     * @throws org.llemma4j.parallel.device.DeviceException naming the estimate, its parts and the device's memory
     */
    static void require(ComputeDevice device, TrainConfig config, int worldSize) {
        if (worldSize % config.parallelism().modelParallelSize() != 0) {
            return;
        }
        RankMemory memory = RankMemory.of(config, worldSize);
        boolean cuda = device.kind() == DeviceKind.CUDA;
        device.requireFits(cuda ? memory.gpuBytes() : memory.tensorBytes(), memory.describe(cuda));
    }
}
