package org.llemma4j.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;

class StepBenchTest {

    private static final LlamaConfig SMALL = LlamaConfig.builder().numLayers(1).hiddenSize(32).numHeads(2)
            .intermediateSize(64).vocabSize(100).maxPositions(16).build();

    /** The figures a reader needs: the machine with its instruction sets, the step, MFU and every breakdown row. */
    @Test
    void printsTheMachineTheStepAndTheBreakdown() {
        String out = run(new StepBenchSettings(SMALL, 16, 2, 1, AttentionKernel.MATMUL, 1, BenchClock.WALL));
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

    @Test
    void aSequenceLongerThanTheModelsPositionsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StepBenchSettings(SMALL, 32, 2, 1, AttentionKernel.MATMUL, 1, BenchClock.WALL));
        assertEquals("seq 32 exceeds the model's 16 positions", e.getMessage());
    }

    private static String run(StepBenchSettings settings) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StepBench.run(settings, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
