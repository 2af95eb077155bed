package org.llemma4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.device.Bytes;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceException;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.plan.RankMemory;

/**
 * A run checks the planner's per-rank memory estimate against its device before it allocates anything: here on the
 * CPU, whose memory is the host's, which every machine has far less of than a 34B model's 600 GB of model state.
 */
class MemoryFitTest {

    private static final Path CONFIGS = Path.of(System.getProperty("project.root", ".."), "configs");

    @TempDir
    Path dir;

    private int threadsBefore;

    @BeforeEach
    void rememberThreads() {
        threadsBefore = torch.get_num_threads();
    }

    @AfterEach
    void restoreThreads() {
        torch.set_num_threads(threadsBefore);
    }

    private static TrainConfig config(String file, String... overrides) {
        return TrainConfig.load(List.of(CONFIGS.resolve(file)), List.of(overrides), DataCheck.SKIP);
    }

    @Test
    void aRunWhoseRankDoesNotFitTheHostStopsBeforeAllocatingWithTheEstimateAndTheDevice() {
        TrainConfig config = config("llemma-34b.yaml", "model_parallel_size=1", "device=cpu", "intra_op_threads=1");
        DeviceException e = assertThrows(DeviceException.class,
                () -> TrainingRun.start(config, RunOptions.embedded(dir), DistEnv.single()));
        RankMemory memory = RankMemory.of(config, 1);
        ComputeDevice cpu = ComputeDevice.cpu(1);
        assertEquals("the per-rank memory estimate (" + memory.describe(false) + ") of "
                + Bytes.gib(memory.tensorBytes()) + " does not fit the " + Bytes.gib(cpu.totalMemoryBytes())
                + " of this rank's device (" + cpu.description() + "): use more ranks (model_parallel_size, ZeRO"
                + " stage 1 over more data-parallel ranks), activation checkpointing or a smaller micro-batch;"
                + " `launch plan` shows the estimate", e.getMessage());
        assertEquals("bf16 weights 62.9 GiB + fp32 gradients 125.7 GiB + optimizer 377.1 GiB + bf16 parameter"
                + " gradients 62.9 GiB + activations 8.1 GiB + output head 1.2 GiB", memory.describe(false),
                "34B at tp 1: 33.7 B parameters x 20 bytes");
    }

    @Test
    void theTinyConfigFitsTheCpuAndEveryEstimateFitsMeta() {
        MemoryFit.require(ComputeDevice.cpu(1), config("tiny.yaml"), 2);
        MemoryFit.require(ComputeDevice.meta(), config("llemma-34b.yaml", "model_parallel_size=1"), 1);
    }

    @Test
    void onTheGpuTheEstimateIncludesTheCudaAllowance() {
        RankMemory memory = RankMemory.of(config("llemma-7b.yaml"), 256);
        assertEquals(memory.tensorBytes() + (3L << 30), memory.gpuBytes());
        assertEquals("bf16 weights 6.3 GiB + fp32 gradients 12.6 GiB + optimizer 0.3 GiB (ZeRO-1 shard of dp 128)"
                + " + bf16 parameter gradients 6.3 GiB + activations 5.4 GiB + output head 1.2 GiB + CUDA context"
                + " and buffers 3.0 GiB",
                memory.describe(true));
    }
}
