package org.llemma4j.trainer.plan;

import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.GpuModel;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.model.LlamaConfig;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Llemma recipes planned on the paper's cluster, and the arithmetic behind the numbers. */
class TrainingPlanTest {

    static final Path CONFIGS = Path.of(System.getProperty("project.root", ".."), "configs");
    static final Path LLEMMA_7B = CONFIGS.resolve("llemma-7b.yaml");
    static final Path LLEMMA_34B = CONFIGS.resolve("llemma-34b.yaml");
    private static final double GIB = 1L << 30;

    static TrainConfig config(Path file, String... overrides) {
        return TrainConfig.load(List.of(file), List.of(overrides), DataCheck.SKIP);
    }

    private static TrainingPlan paperCluster(TrainConfig c, GpuModel gpu) {
        return new TrainingPlan(c, gpu, 32, 8, TrainingPlan.DEFAULT_MFU, List.of());
    }

    @Test
    void llemma7bFitsOn256A100s40GbAsThePaperRanIt() {
        TrainingPlan plan = paperCluster(config(LLEMMA_7B), GpuModel.A100_40GB);

        assertEquals(6_738_546_688L, plan.parameterCount(), "Code Llama 7B: Llama 2 7B + 16 vocabulary rows");
        assertEquals(256, plan.worldSize());
        assertEquals(2, plan.tp());
        assertEquals(128, plan.dp());
        assertEquals(1024, plan.sequencesPerStep());
        assertEquals(4_194_304L, plan.tokensPerStep());
        assertTrue(plan.fits(), plan.report("llemma-7b"));

        // Per rank: half of every matrix, all 65 norm vectors.
        assertEquals((6_738_546_688L - 65 * 4096) / 2 + 65 * 4096, plan.parametersPerRank());
        assertEquals(2 * plan.parametersPerRank(), plan.weightBytes());
        assertEquals(4 * plan.parametersPerRank(), plan.gradientBytes());
        assertEquals((12 * plan.parametersPerRank() + 127) / 128, plan.optimizerBytes());
        // 32 layer inputs of 2sbh (s 4096, b 4, h 4096) plus one layer's working set.
        long sbh = 4096L * 4 * 4096;
        assertEquals(32 * 2 * sbh + MemoryModel.layerActivationBytes(plan.model(), 4096, 4, 2),
                plan.checkpointedActivationBytes());
        assertEquals(4L * 16008 * 4096 * 4, plan.logitsBytes(), "fp32 x vocab/tp x s x b");
        assertEquals(2 * plan.parametersPerRank(), plan.memory().parameterGradientBytes(), "autograd's bf16 .grad");
        assertEquals(35.0, plan.totalBytes() / GIB, 0.1);
        assertFalse(plan.totalBytesOtherwise() <= GpuModel.A100_40GB.memoryBytes(),
                "without checkpointing the same layout would not fit");
    }

    @Test
    void llemma7bAtTp1WithoutCheckpointingDoesNotFit() {
        TrainingPlan plan = paperCluster(config(LLEMMA_7B, "model_parallel_size=1",
                "checkpoint_activations=false"), GpuModel.A100_40GB);
        assertEquals(256, plan.dp());
        assertEquals(8_388_608L, plan.tokensPerStep(), "dp doubles, so tokens per step do");
        assertFalse(plan.fits(), plan.report("llemma-7b tp 1"));
        assertEquals(37.9, plan.modelStateBytes() / GIB, 0.1,
                "6 bytes per parameter (bf16 weights, fp32 gradients) of 6.7B leave 2 GiB of 40 for everything else");
        assertTrue(plan.totalBytesOtherwise() > GpuModel.A100_40GB.memoryBytes(), "checkpointing alone does not "
                + "rescue TP 1");
        assertTrue(plan.report("x").contains("DOES NOT FIT"));
    }

    @Test
    void llemma7bStepTimeAndDaysFollowFlopsModel() {
        TrainingPlan plan = paperCluster(config(LLEMMA_7B), GpuModel.A100_40GB);
        double flopsPerToken = 6.0 * (6_738_546_688L - 32016L * 4096) + 12.0 * 32 * 4096 * 4096;
        assertEquals(flopsPerToken, plan.flopsPerToken(), 1.0);
        double step = flopsPerToken * 4_194_304 / (256 * 312e12 * 0.4);
        assertEquals(step, plan.stepSeconds(), 1e-9);
        assertEquals(6.05, plan.stepSeconds(), 0.01);
        assertEquals(3.36, plan.trainingDays(), 0.01);
        assertEquals(20_650, plan.gpuHours(), 10);
        // The paper stopped 7B at 42,000 steps, "roughly 23,000 A100-hours": an MFU of about 0.31.
        double impliedMfu = 0.4 * plan.stepSeconds() * 42_000 * 256 / 3600 / 23_000;
        assertEquals(0.31, impliedMfu, 0.01);
        assertEquals(0.4 * 4 / 3, plan.hfu(), 1e-9);
    }

    @Test
    void llemma34bConfigLoadsAsTheRecipeSays() {
        TrainConfig c = config(LLEMMA_34B);
        TrainingPlan plan = paperCluster(c, GpuModel.A100_80GB);
        assertEquals(8, plan.tp());
        assertEquals(32, plan.dp());
        assertEquals(4_194_304L, plan.tokensPerStep());
        assertEquals(504, c.optimizer().schedule().warmupIters());
        assertEquals(1.65e-6, c.optimizer().schedule().minLr(), 1e-18);
        assertEquals(250, c.checkpoint().checkpointFactor());
        // Code Llama 34B: 33.74 B parameters (48 layers, GQA 64:8, FFN 22016, vocab 32000, untied).
        assertEquals(33_743_970_304L, plan.parameterCount());
        assertTrue(plan.fits(), plan.report("llemma-34b"));
    }

    @Test
    void perRankParametersAtTp1AreTheParameterCount() {
        for (Path file : List.of(LLEMMA_7B, LLEMMA_34B)) {
            LlamaConfig m = config(file).model();
            assertEquals(m.parameterCount(), MemoryModel.parametersPerTpRank(m, 1), file.toString());
        }
        // Llama 2 7B (vocab 32000) has the well-known 6,738,415,616; Code Llama's 16 extra rows add 2 x 16 x 4096.
        LlamaConfig llama2 = config(LLEMMA_7B, "vocab_size=32000").model();
        assertEquals(6_738_415_616L, llama2.parameterCount());
        assertEquals(6_738_546_688L - 6_738_415_616L, 2L * 16 * 4096);
    }

    @Test
    void oneLayersActivationsAreTheStatedFormula() {
        LlamaConfig m = config(LLEMMA_7B).model();
        long s = 4096, b = 1, h = 4096, f = 11008, a = 32;
        // 8sbh norms + 4sbh Q,O + 4sbh K,V (no GQA) + 8sbf SwiGLU + fp32 log-sum-exp, all bytes, tp 1.
        long expected = 8 * s * b * h + 8 * s * b * h + 8 * s * b * f + 4 * s * b * a;
        assertEquals(expected, MemoryModel.layerActivationBytes(m, s, b, 1));
        assertEquals(629_669_888L, expected);
        // tp 2 splits everything but the norms.
        assertEquals(8 * s * b * h + (expected - 8 * s * b * h) / 2, MemoryModel.layerActivationBytes(m, s, b, 2));
    }

    @Test
    void withoutZeroTheOptimizerIsReplicated() {
        TrainingPlan zero0 = paperCluster(config(LLEMMA_7B, "zero_optimization.stage=0"), GpuModel.A100_40GB);
        assertEquals(12 * zero0.parametersPerRank(), zero0.optimizerBytes());
        assertFalse(zero0.fits());
    }

    @Test
    void badLayoutsAreRejectedWithTheNumbers() {
        TrainConfig c = config(LLEMMA_7B);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingPlan(c, GpuModel.A100_40GB, 1, 3, 0.4, List.of()));
        assertEquals("world 3 (1 node x 3 GPUs) is not model_parallel_size 2 x dp: use a multiple of 2 GPUs",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TrainingPlan(c, GpuModel.A100_40GB, 1, 8, 1.5,
                List.of()));
        assertEquals("unknown GPU 'v100'; known: a100-40gb, a100-80gb, h100-80gb, h100-pcie, h200",
                assertThrows(IllegalArgumentException.class, () -> GpuModel.byCliName("v100")).getMessage());
        assertEquals(GpuModel.H100_80GB, GpuModel.byCliName("H100-80GB"));
    }

    @Test
    void aGptNeoxConfigWithoutVocabSizeAssumesLlamasVocabularyAndSaysSo() throws URISyntaxException {
        Path neox = Path.of(TrainingPlanTest.class.getResource("/config/llemma-7b-like.yml").toURI());
        PlanConfig pc = PlanConfig.load(List.of(neox), List.of());
        assertEquals(32_000, pc.config().model().vocabSize());
        assertEquals(1, pc.notes().size());
        assertTrue(pc.notes().get(0).startsWith("vocab_size is not set (GPT-NeoX reads it from vocab_file ")
                && pc.notes().get(0).contains("codellama/tokenizer.model, which is not on this machine)"),
                pc.notes().get(0));
        assertTrue(pc.notes().get(0).contains("assuming Llama's vocabulary of 32000"));
        TrainingPlan plan = new TrainingPlan(pc.config(), GpuModel.A100_40GB, 32, 8, 0.4, pc.notes());
        assertTrue(plan.report("7B.yml").contains("note: vocab_size is not set"));

        PlanConfig given = PlanConfig.load(List.of(neox), List.of("vocab_size=32016"));
        assertTrue(given.notes().isEmpty());
        assertEquals(6_738_546_688L, given.config().model().parameterCount());
    }
}
