package org.llemma4j.runtime.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparisons behind the checks' verdicts, including the cases that must fail a check. */
class LossesTest {

    @Test
    void relativeDifferenceIsTheWorstStep() {
        assertEquals(0, Losses.maxRelativeDifference(List.of(10.0, 9.0), List.of(10.0, 9.0)));
        assertEquals(1e-3, Losses.maxRelativeDifference(List.of(10.0, 8.0), List.of(10.001, 8.008)), 1e-12);
        assertTrue(Losses.maxRelativeDifference(List.of(10.0, 8.0), List.of(10.0, 8.01)) > DeviceAgreementCheck.BOUND);
    }

    @Test
    void aNonFiniteLossIsInfinitelyFarOff() {
        assertEquals(Double.POSITIVE_INFINITY, Losses.maxRelativeDifference(List.of(10.0, 9.0),
                List.of(10.0, Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, Losses.maxRelativeDifference(List.of(Double.POSITIVE_INFINITY),
                List.of(Double.POSITIVE_INFINITY)));
    }

    @Test
    void runsOfDifferentLengthsCannotBeCompared() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Losses.maxRelativeDifference(List.of(10.0, 9.0), List.of(10.0)));
        assertTrue(e.getMessage().contains("2 and 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.maxRelativeDifference(List.of(), List.of()));
    }

    @Test
    void fallingMeansOnePercentDownAndFinite() {
        assertTrue(Losses.falls(List.of(10.0, 10.5, 9.9)));
        assertFalse(Losses.falls(List.of(10.0, 9.0, 9.95)), "0.5% is noise");
        assertFalse(Losses.falls(List.of(10.0, 11.0)));
        assertFalse(Losses.falls(List.of(10.0, Double.NaN, 5.0)));
        assertFalse(Losses.falls(List.of(10.0)));
    }

    @Test
    void linesEndWithTheVerdict() {
        CheckResult pass = CheckResult.of("1", "fp32, cuda:0 against cpu, 10 steps", true, "difference 0");
        assertEquals("check 1   fp32, cuda:0 against cpu, 10 steps: difference 0  PASS", pass.line());
        CheckResult failed = CheckResult.failed("5b", "tp", new IllegalStateException("outer",
                new RuntimeException("rank 1 exited with status 1\nnative stack")));
        assertEquals(CheckStatus.FAIL, failed.status());
        assertEquals("check 5b  tp: RuntimeException: rank 1 exited with status 1  FAIL", failed.line());
        assertEquals("0 (identical)", Losses.relative(0));
        assertEquals("3.1e-06", Losses.relative(3.14e-6));
    }
}
