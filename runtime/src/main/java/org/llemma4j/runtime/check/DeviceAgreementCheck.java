package org.llemma4j.runtime.check;

import java.util.List;
import java.util.Locale;
import org.llemma4j.parallel.device.DeviceRequest;

/**
 * Check 1: the tiny config in fp32 for 10 steps on the device under test against the same 10 steps on the CPU, the
 * oracle. Same seed, same data, same initial weights: only the kernels differ (their summation orders), so the
 * losses agree to within 1e-4 relative. On the CPU build it compares the CPU with itself, which exercises the check
 * and must give identical losses.
 */
final class DeviceAgreementCheck {

    /** The bound: fp32 rounding, amplified over 10 AdamW steps, stays well below it. */
    static final double BOUND = 1e-4;

    private static final List<String> FP32 = List.of("precision=fp32");

    private DeviceAgreementCheck() {
    }

    static CheckResult run(CheckSettings settings) {
        String title = "fp32, " + settings.deviceName() + " against cpu, " + CheckSettings.STEPS + " steps";
        try {
            List<Double> device = CheckTraining.losses(settings, "check1-device", settings.device(), FP32);
            List<Double> cpu = CheckTraining.losses(settings, "check1-cpu", DeviceRequest.CPU, FP32);
            double difference = Losses.maxRelativeDifference(cpu, device);
            return CheckResult.of("1", title, difference <= BOUND, String.format(Locale.ROOT,
                    "largest relative loss difference %s (bound %.0e), loss %s", Losses.relative(difference), BOUND,
                    Losses.span(device)));
        } catch (RuntimeException e) {
            return CheckResult.failed("1", title, e);
        }
    }
}
