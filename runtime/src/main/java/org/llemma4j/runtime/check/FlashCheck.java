package org.llemma4j.runtime.check;

import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.trainer.nn.SdpaBackend;

/**
 * Check 3a: bf16 training steps with FlashAttention as the only SDPA backend. libtorch falls back to another backend
 * silently when flash cannot serve a call; with the others switched off it throws instead, so steps that run prove
 * that the trainer's attention is flash. First it proves that the switches bite: fp32 attention, which flash does
 * not implement, must be refused.
 */
final class FlashCheck {

    static final int STEPS = 2;

    private static final List<String> KEYS = List.of("precision=bf16", "train_iters=" + STEPS,
            "lr_decay_iters=" + STEPS, "warmup_iters=1", "log_interval=" + STEPS);

    private FlashCheck() {
    }

    static CheckResult run(CheckSettings settings) {
        String title = "bf16, flash attention only (math, memory-efficient, cuDNN SDPA off), " + STEPS + " steps";
        if (!settings.onCuda()) {
            return CheckResult.skipped("3a", title, "CUDA only: it proves that the GPU's attention is"
                    + " FlashAttention-2; the CPU's attention kernel is its own measured choice");
        }
        try (SdpaBackend.Scope flash = SdpaBackend.FLASH.use()) {
            String refusal = fp32Refusal(ComputeDevice.select(DeviceRequest.CUDA, 0, 1));
            if (refusal == null) {
                return CheckResult.of("3a", title, false, "fp32 attention ran with only flash enabled: the backend"
                        + " switches had no effect, so the steps would prove nothing");
            }
            List<Double> losses = CheckTraining.losses(settings, "check3-flash", settings.device(), KEYS);
            boolean finite = losses.size() == STEPS && losses.stream().allMatch(Double::isFinite);
            return CheckResult.of("3a", title, finite, String.format(Locale.ROOT,
                    "fp32 attention refused as it must be, bf16 steps ran on flash with losses %s", losses));
        } catch (RuntimeException e) {
            return CheckResult.failed("3a", title, e);
        }
    }

    /** The first line of the error of an fp32 attention call under the flash-only switches; null if it ran. */
    private static String fp32Refusal(ComputeDevice device) {
        try (PointerScope scope = new PointerScope()) {
            Tensor q = torch.randn(new long[] {1, 2, 16, 32}, device.options(ScalarType.Float));
            torch.scaled_dot_product_attention(q, q, q, new TensorOptional(), 0.0, true, new DoubleOptional(), false);
            return null;
        } catch (RuntimeException expected) {
            String m = expected.getMessage();
            return m == null ? expected.getClass().getSimpleName() : m.lines().findFirst().orElse("");
        }
    }
}
