package org.llemma4j.runtime.check;

import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.parallel.device.RootCause;
import org.llemma4j.parallel.device.SyncDebugMode;
import org.llemma4j.trainer.tensor.HostReadGate;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Check 3b: steady-state bf16 steps with libtorch's CUDA sync-debug mode at error, so that any operation that makes
 * the host wait for the GPU throws; only the step's one host read (loss, gradient norm, stop flag) is let
 * through ({@link SyncDebugGate}). It passes when the steps run and make exactly one read each. First it proves
 * that the mode bites: a deliberate copy to the host must throw.
 */
final class SyncDebugCheck {

    static final int STEPS = 3;

    private static final List<String> KEYS = List.of("precision=bf16", "train_iters=" + STEPS,
            "lr_decay_iters=" + STEPS, "warmup_iters=1", "log_interval=" + STEPS);

    private SyncDebugCheck() {
    }

    static CheckResult run(CheckSettings settings) {
        String title = "bf16, steps 2-" + STEPS + " under CUDA sync-debug mode error";
        if (!settings.onCuda()) {
            return CheckResult.skipped("3b", title, "CUDA only: the CPU has no device for the host to wait for");
        }
        ComputeDevice device = ComputeDevice.select(DeviceRequest.CUDA, 0, 1);
        try {
            if (!deliberateSyncThrows(device)) {
                return CheckResult.of("3b", title, false, "a deliberate copy to the host did not throw in error"
                        + " mode: the mode had no effect, so the steps would prove nothing");
            }
            SyncDebugGate gate = new SyncDebugGate(device, STEPS);
            List<Double> losses;
            try {
                losses = CheckTraining.run(settings, "check3-sync", settings.device(), KEYS, trainer -> {
                    HostReadGate previous = Tensors.setHostReadGate(gate);
                    try {
                        return trainer.run();
                    } finally {
                        Tensors.setHostReadGate(previous);
                        device.setSyncDebugMode(SyncDebugMode.OFF);
                    }
                });
            } catch (RuntimeException e) {
                return CheckResult.of("3b", title, false, "step " + (gate.reads() + 1) + " synchronised: "
                        + RootCause.of(e) + where(e));
            }
            boolean onePerStep = gate.reads() == STEPS && losses.size() == STEPS;
            return CheckResult.of("3b", title, onePerStep, String.format(Locale.ROOT,
                    "a deliberate host copy threw as it must, the steps ran with %d host reads in %d steps (one each"
                            + " expected), losses %s", gate.reads(), losses.size(), losses));
        } catch (RuntimeException e) {
            return CheckResult.failed("3b", title, e);
        } finally {
            device.setSyncDebugMode(SyncDebugMode.OFF);
        }
    }

    private static boolean deliberateSyncThrows(ComputeDevice device) {
        try (PointerScope scope = new PointerScope()) {
            device.setSyncDebugMode(SyncDebugMode.ERROR);
            torch.ones(new long[] {4}, device.options(ScalarType.Float)).cpu();
            return false;
        } catch (RuntimeException expected) {
            return true;
        } finally {
            device.setSyncDebugMode(SyncDebugMode.OFF);
        }
    }

    /** The project's innermost frame of {@code e}: the call that synchronised. */
    private static String where(RuntimeException e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().startsWith("org.llemma4j.")) {
                return " at " + frame;
            }
        }
        return "";
    }
}
