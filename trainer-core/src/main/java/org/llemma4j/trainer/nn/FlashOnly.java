package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.global.torch;

/**
 * While open, libtorch's {@code scaled_dot_product_attention} may use only its FlashAttention backend
 * ({@link SdpaBackend#FLASH}: the math, memory-efficient and cuDNN backends switched off in the global context), so
 * an attention call that flash cannot serve (fp32 inputs, an explicit mask, an unsupported GPU) throws instead of
 * falling back silently. Closing restores the switches exactly as they were when it was opened, which
 * {@link SdpaBackend} alone cannot express. The GPU check uses it to prove that the training step runs on
 * FlashAttention and leaves the process as it found it.
 *
 * <pre>{@code
 * try (FlashOnly flash = FlashOnly.force()) {
 *     trainer.run();
 * }
 * }</pre>
 *
 * <p>The switches are process-wide (PyTorch's {@code torch.backends.cuda.sdp_kernel}), not per thread. The CPU build
 * has them too (its SDPA chooses between a fused flash kernel and the math one), so the guard is tested there.
 */
public final class FlashOnly implements AutoCloseable {

    /** The state of libtorch's SDPA backend switches. */
    public record Backends(boolean flash, boolean memEfficient, boolean math, boolean cudnn) {

        /** Only FlashAttention on: what {@link SdpaBackend#FLASH} sets. */
        public static final Backends FLASH_ONLY = new Backends(true, false, false, false);

        /** The switches as libtorch's global context has them now. */
        public static Backends current() {
            Context context = torch.globalContext();
            return new Backends(context.userEnabledFlashSDP(), context.userEnabledMemEfficientSDP(),
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
    }

    private final Backends previous;
    private boolean closed;

    private FlashOnly(Backends previous) {
        this.previous = previous;
    }

    /** Switches every SDPA backend but flash off until {@link #close()}. */
    public static FlashOnly force() {
        Backends previous = Backends.current();
        SdpaBackend.FLASH.apply();
        return new FlashOnly(previous);
    }

    /** The switches this guard restores. */
    public Backends previous() {
        return previous;
    }

    /** Restores the switches of when it was opened; a second close does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            previous.apply();
        }
    }
}
