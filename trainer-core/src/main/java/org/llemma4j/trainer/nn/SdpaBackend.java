package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.global.torch;

/**
 * Which of libtorch's {@code scaled_dot_product_attention} implementations may run: a process-wide setting of
 * libtorch's global context ({@code torch.backends.cuda.enable_*_sdp} in PyTorch), read by every SDPA call after it.
 * {@link #FLASH} switches the math, memory-efficient and cuDNN implementations off, so an SDPA call that
 * FlashAttention cannot serve fails ("No available kernel") instead of silently running a slower one: the GPU check
 * uses it to prove that the bf16 attention is FlashAttention-2. The {@link AttentionKernel#MATMUL} kernel does not
 * go through SDPA and is unaffected.
 */
public enum SdpaBackend {
    /** Every implementation allowed; libtorch picks (its default). */
    ANY,
    /** FlashAttention only (on the CPU: libtorch's fused flash kernel). */
    FLASH;

    /** Applies this choice to libtorch's global context, for every SDPA call that follows in this process. */
    public void apply() {
        boolean others = this == ANY;
        Context context = torch.globalContext();
        context.setSDPUseFlash(true);
        context.setSDPUseMath(others);
        context.setSDPUseMemEfficient(others);
        context.setSDPUseCuDNN(others);
    }

    /** What the context allows now: {@code "flash"}, {@code "flash, memory-efficient, math, cuDNN"}. */
    public static String enabled() {
        Context c = torch.globalContext();
        StringBuilder b = new StringBuilder();
        append(b, c.userEnabledFlashSDP(), "flash");
        append(b, c.userEnabledMemEfficientSDP(), "memory-efficient");
        append(b, c.userEnabledMathSDP(), "math");
        append(b, c.userEnabledCuDNNSDP(), "cuDNN");
        return b.length() == 0 ? "none" : b.toString();
    }

    private static void append(StringBuilder b, boolean enabled, String name) {
        if (enabled) {
            b.append(b.length() == 0 ? "" : ", ").append(name);
        }
    }
}
