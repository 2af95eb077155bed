package org.llemma4j.trainer.zero;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.parallel.ParallelDims;
import org.llemma4j.parallel.Slice;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.GpuModel;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.plan.RankMemory;
import org.llemma4j.trainer.plan.TrainingPlan;
import org.llemma4j.trainer.tp.UnconnectedPlan;

/**
 * {@code launch plan}'s model-state figures against real allocation: one rank's bf16 parameter buffer, fp32 gradient
 * buffer and ZeRO-1 optimizer shard of the Llemma 7B and 34B recipes, built by the trainer's own classes on
 * libtorch's {@code meta} device (shapes without storage, so 34B costs nothing), hold exactly the bytes the planner
 * counts and prints. The shard is the one {@code ShardedOptimizer} builds: {@code ParallelDims.dpSlice} of the
 * padded buffer.
 */
class PlannerMatchesMetaAllocationTest {

    private static final Path CONFIGS = Path.of(System.getProperty("project.root", ".."), "configs");
    private static final double GIB = 1L << 30;

    /**
     * The recipes on the paper's 256 GPUs, and the tiny config at dp 3, whose parameters do not divide by dp: the
     * flat buffers are padded to equal shards, and the planner counts the padding.
     */
    @ParameterizedTest(name = "{0} on {1} ranks")
    @CsvSource({"llemma-7b.yaml, 256", "llemma-34b.yaml, 256", "tiny.yaml, 3"})
    void oneRanksModelStateIsWhatThePlannerPrints(String file, int world) {
        TrainConfig config = TrainConfig.load(List.of(CONFIGS.resolve(file)), List.of("zero_optimization.stage=1"),
                DataCheck.SKIP);
        int tp = config.parallelism().modelParallelSize();
        TrainingPlan plan = new TrainingPlan(config, GpuModel.A100_80GB, 1, world, TrainingPlan.DEFAULT_MFU,
                List.of());
        RankMemory planned = plan.memory();
        assertTrue(planned.shardsOptimizer(), file + " shards its optimizer state (ZeRO stage 1)");
        ParallelDims dims = ParallelDims.of(world, tp, 0);
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(config.model(), new UnconnectedPlan(tp), ScalarType.BFloat16,
                     AttentionKernel.SDPA, 1, dims.dp(), ComputeDevice.meta());
             GradientBuffer grads = new GradientBuffer(model.parameters())) {
            Slice shard = dims.dpSlice(model.parameters().flat().numel(), "padded parameter buffer");
            try (AdamWState state = new AdamWState(model.parameters(), config.optimizer().adamW(), shard)) {
                long weights = model.parameters().flat().nbytes();
                long gradients = grads.all().nbytes();
                long optimizer = state.master().nbytes() + state.expAvg().nbytes() + state.expAvgSq().nbytes();
                assertEquals(planned.parameters(), model.parameters().numel(), "parameters per TP rank");
                assertEquals(planned.paddedParameters(), model.parameters().flat().numel(), "padded to dp shards");
                assertEquals(plan.weightBytes(), weights, "bf16 parameter buffer");
                assertEquals(plan.gradientBytes(), gradients, "fp32 gradient buffer");
                assertEquals(plan.optimizerBytes(), optimizer, "fp32 master weights + Adam moments, this shard");
                assertEquals(state.bytes(), optimizer, "the optimizer's own count");

                String report = plan.report(file);
                assertTrue(report.contains(row("weights, bf16 (2 B x params/tp)", weights)), report);
                assertTrue(report.contains(row("gradient buffer, fp32 (4 B x params/tp)", gradients)), report);
                assertTrue(report.contains(row(String.format(Locale.ROOT,
                        "optimizer, ZeRO-1 shard (12 B x params/tp / dp %d)", dims.dp()), optimizer)), report);
            }
        }
    }

    private static String row(String label, long bytes) {
        return String.format(Locale.ROOT, "  %-64s %7.2f", label, bytes / GIB) + "\n";
    }
}
