package org.llemma4j.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    // Llemma 7B: warmup 500 to 1e-4, cosine to 0.033 x peak = 3.3e-6 at 48,000.
    private static final LrSchedule LLEMMA_7B = new LrSchedule(1e-4, 0.033 * 1e-4, 500, 48_000,
            LrSchedule.Style.COSINE);

    @Test
    void llemma7bValuesByHand() {
        assertEquals(0.0, LLEMMA_7B.lrAt(0), 0);
        assertEquals(5e-5, LLEMMA_7B.lrAt(250), 1e-18);          // half way up the warmup
        assertEquals(1e-4, LLEMMA_7B.lrAt(500), 1e-18);          // the peak
        // 24,250 is half way through the decay ((24,250 - 500) / 47,500 = 0.5): cos(pi/2) = 0, so the mean of
        // peak and floor, (1e-4 + 3.3e-6) / 2 = 5.165e-5.
        assertEquals(5.165e-5, LLEMMA_7B.lrAt(24_250), 1e-15);
        assertEquals(3.3e-6, LLEMMA_7B.lrAt(48_000), 1e-18);
        assertEquals(3.3e-6, LLEMMA_7B.lrAt(60_000), 1e-18);     // flat after the decay
    }

    @Test
    void linearAndConstant() {
        LrSchedule linear = new LrSchedule(1.0, 0.0, 0, 100, LrSchedule.Style.LINEAR);
        assertEquals(0.75, linear.lrAt(25), 1e-15);
        LrSchedule constant = new LrSchedule(2.0, 0.0, 10, 100, LrSchedule.Style.CONSTANT);
        assertEquals(1.0, constant.lrAt(5), 1e-15);
        assertEquals(2.0, constant.lrAt(1000), 1e-15);
    }

    @Test
    void rejectsInconsistentSettings() {
        assertEquals("min_lr 2.0 must be in [0, lr 1.0]", assertThrows(IllegalArgumentException.class,
                () -> new LrSchedule(1.0, 2.0, 0, 10, LrSchedule.Style.COSINE)).getMessage());
        assertEquals("warmup_iters 20 exceeds lr_decay_iters 10", assertThrows(IllegalArgumentException.class,
                () -> new LrSchedule(1.0, 0.0, 20, 10, LrSchedule.Style.COSINE)).getMessage());
    }
}
