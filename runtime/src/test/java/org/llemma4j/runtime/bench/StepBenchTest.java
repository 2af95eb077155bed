package org.llemma4j.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.SdpaBackend;

class StepBenchTest {

    private static final LlamaConfig SMALL = LlamaConfig.builder().numLayers(1).hiddenSize(32).numHeads(2)
            .intermediateSize(64).vocabSize(100).maxPositions(16).build();

    /** The figures a reader needs: the machine with its instruction sets, the step, MFU and every breakdown row. */
    @Test
    void printsTheMachineTheStepAndTheBreakdown() {
        String out = run(StepBenchSettings.of(SMALL, 16, 2, 1, AttentionKernel.MATMUL, 1, BenchClock.WALL));
        assertTrue(out.matches("(?s)machine: .+ \\((no AVX-512 or AMX|[a-z0-9_ ]+)\\), \\d+ cores, 1 intra-op threads, "
                + "load average .+; timed by WALL clock\n.*"), out);
        assertTrue(out.contains("model: " + String.format("%,d", SMALL.parameterCount()) + " parameters, hidden 32, "
                + "1 layers, 2 heads, ffn 64, vocab 100; seq 16 x micro batch 2, attention MATMUL"), out);
        for (String row : List.of("attention projections", "attention core", "MLP projections", "MLP elementwise",
                "norms (RMSNorm)", "output layer and loss", "gradient accumulation into fp32", "optimizer",
                "other", "MFU")) {
            assertTrue(out.contains(row), "no '" + row + "' in:\n" + out);
        }
    }

    /**
     * Grouped-query attention, recomputation and the flash-only SDPA setting reach the model and the report: the
     * KV heads, the recomputed step, the hardware-FLOPs utilisation beside MFU; no block breakdown then.
     */
    @Test
    void recomputationWithGroupedQueryAttentionReportsHardwareFlops() {
        LlamaConfig gqa = SMALL.toBuilder().numHeads(4).numKvHeads(2).build();
        try {
            String out = run(new StepBenchSettings(gqa, 16, 2, 1, AttentionKernel.SDPA_FP32, 1, BenchClock.WALL, 1,
                    SdpaBackend.FLASH, OptionalDouble.empty()));
            assertTrue(out.contains("4 heads / 2 KV heads"), out);
            assertTrue(out.contains("attention SDPA_FP32 (SDPA implementations: flash), forward recomputed in "
                    + "groups of 1 layer(s)"), out);
            assertTrue(out.contains("forward+loss and backward with the forward recomputed"), out);
            assertTrue(out.matches("(?s).*MFU [0-9.]+% of the measured bf16 matmul rate, HFU [0-9.]+% \\(hardware "
                    + "FLOPs, the recomputed forward included\\).*"), out);
            assertTrue(out.contains("breakdown by block: not with recomputation"), out);
        } finally {
            SdpaBackend.ANY.apply();
        }
    }

    @Test
    void theMetaDeviceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StepBench.run(
                StepBenchSettings.of(SMALL, 16, 2, 1, AttentionKernel.MATMUL, 1, BenchClock.WALL), ComputeDevice.meta(),
                System.out));
        assertEquals("the step benchmark needs a device that computes, not meta", e.getMessage());
    }

    @Test
    void aSequenceLongerThanTheModelsPositionsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StepBenchSettings.of(SMALL, 32, 2, 1, AttentionKernel.MATMUL, 1, BenchClock.WALL));
        assertEquals("seq 32 exceeds the model's 16 positions", e.getMessage());
    }

    private static String run(StepBenchSettings settings) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StepBench.run(settings, ComputeDevice.cpu(settings.threads()),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
