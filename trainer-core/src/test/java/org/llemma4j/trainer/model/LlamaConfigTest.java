package org.llemma4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Named construction of the architecture, its defaults, and the messages of bad values. */
class LlamaConfigTest {

    private static LlamaConfig.Builder sizes() {
        return LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4).intermediateSize(48).vocabSize(40)
                .maxPositions(16);
    }

    @Test
    void unsetValuesTakeTheTrainersDefaults() {
        LlamaConfig c = sizes().build();
        assertEquals(new LlamaConfig(2, 32, 4, 4, 48, 40, 16, 1e-5, 1.0, 10000, 1.0, false, 0.02), c);
        assertEquals(c, c.toBuilder().build());
        assertEquals(2.0, c.toBuilder().ropeScaling(2).build().ropeScaling());
    }

    @Test
    void aMissingSizeOrABadValueIsNamedByItsKey() {
        assertEquals("vocab_size must be > 0, got 0", assertThrows(IllegalArgumentException.class,
                () -> LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4).intermediateSize(48)
                        .maxPositions(16).build()).getMessage());
        assertEquals("rotary_emb_scaling_factor must be > 0, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> sizes().ropeScaling(0).build()).getMessage());
        assertEquals("num_attention_heads 4 is not divisible by num_kv_heads 3", assertThrows(
                IllegalArgumentException.class, () -> sizes().numKvHeads(3).build()).getMessage());
    }
}
