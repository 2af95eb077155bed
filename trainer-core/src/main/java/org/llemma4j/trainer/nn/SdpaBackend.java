package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.global.torch;

/**
 * Which of libtorch's {@code scaled_dot_product_attention} implementations may run: a process-wide setting of
 * libtorch's global context ({@code torch.backends.cuda.enable_*_sdp} in PyTorch), read by every SDPA call after it,
 * on the CPU build too. {@link #FLASH} switches the math, memory-efficient and cuDNN implementations off, so an SDPA
 * call that FlashAttention cannot serve (fp32 inputs, an explicit mask, an unsupported GPU) fails ("No available
 * kernel") instead of silently running a slower one: the GPU check uses it to prove that the bf16 attention is
 * FlashAttention-2. The {@link AttentionKernel#MATMUL} kernel does not go through SDPA and is unaffected.
 *
 * <pre>{@code
 * try (SdpaBackend.Scope flash = SdpaBackend.FLASH.use()) {
 *     trainer.run();                      // the switches are restored as they were afterwards
 * }
 * }</pre>
 */
public enum SdpaBackend {
    /** Every implementation allowed; libtorch picks (its default). */
    ANY,
    /** FlashAttention only (on the CPU: libtorch's fused flash kernel). */
    FLASH;

    /** Applies this choice to libtorch's global context, for every SDPA call that follows in this process. */
    public void apply() {
        boolean others = this == ANY;
        new Switches(true, others, others, others).apply();
    }

    /** Applies this choice until the returned scope closes, which restores the switches exactly as they were. */
    public Scope use() {
        Switches previous = Switches.current();
        apply();
        return new Scope(previous);
    }

    /** What the context allows now: {@code "flash"}, {@code "flash, memory-efficient, math, cuDNN"}. */
    public static String enabled() {
        return Switches.current().describe();
    }

    /** The state of libtorch's four SDPA switches. */
    public record Switches(boolean flash, boolean memEfficient, boolean math, boolean cudnn) {

        /** The switches as libtorch's global context has them now. */
        public static Switches current() {
            Context context = torch.globalContext();
            return new Switches(context.userEnabledFlashSDP(), context.userEnabledMemEfficientSDP(),
                    context.userEnabledMathSDP(), context.userEnabledCuDNNSDP());
        }

        /** Sets libtorch's global switches to these. */
        public void apply() {
            Context context = torch.globalContext();
            context.setSDPUseFlash(flash);
            context.setSDPUseMemEfficient(memEfficient);
            context.setSDPUseMath(math);
            context.setSDPUseCuDNN(cudnn);
        }

        String describe() {
            StringBuilder b = new StringBuilder();
            append(b, flash, "flash");
            append(b, memEfficient, "memory-efficient");
            append(b, math, "math");
            append(b, cudnn, "cuDNN");
            return b.length() == 0 ? "none" : b.toString();
        }

        private static void append(StringBuilder b, boolean enabled, String name) {
            if (enabled) {
                b.append(b.length() == 0 ? "" : ", ").append(name);
            }
        }
    }

    /** Restores the switches it was opened with when closed; a second close does nothing. */
    public static final class Scope implements AutoCloseable {

        private final Switches previous;
        private boolean closed;

        private Scope(Switches previous) {
            this.previous = previous;
        }

        /** The switches this scope restores. */
        public Switches previous() {
            return previous;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                previous.apply();
            }
        }
    }
}
