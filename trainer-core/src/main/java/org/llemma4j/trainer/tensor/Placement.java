package org.llemma4j.trainer.tensor;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.parallel.device.ComputeDevice;

/**
 * Checks that a tensor is on the device it belongs on, with a message naming the tensor and both devices.
 *
 * <p>libtorch's own check is not enough: most operations that meet a CPU and a GPU or {@code meta} tensor refuse
 * with "Expected all tensors to be on the same device, but found at least two devices, meta and cpu!", which names
 * no tensor; some do not refuse at all ({@code mm} of a CPU and a {@code meta} matrix returns a {@code meta} result,
 * and {@code copy_} moves between devices by design). So each component checks the tensors it creates, and the
 * inputs it combines with them, where they enter.
 */
public final class Placement {

    private Placement() {
    }

    /** libtorch's name of {@code t}'s device: {@code cpu}, {@code cuda:1}, {@code meta}. */
    public static String deviceOf(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            return t.device().str().getString();
        }
    }

    /**
     * @param what the tensor, for the message ({@code "the RoPE cos table"})
     * @return {@code t}
     * @throws IllegalStateException naming {@code what}, its device and {@code device}
     */
    public static Tensor requireOn(Tensor t, ComputeDevice device, String what) {
        String actual = deviceOf(t);
        if (!actual.equals(device.name())) {
            throw new IllegalStateException(what + " (on " + actual + ") must be on this rank's device "
                    + device.name());
        }
        return t;
    }

    /**
     * Checks that {@code t} is on the device of {@code reference}, the tensor it is combined with.
     *
     * @return {@code t}
     * @throws IllegalStateException naming both tensors and their devices
     */
    public static Tensor requireWith(Tensor t, String what, Tensor reference, String referenceName) {
        return requireWith(t, what, deviceOf(reference), referenceName);
    }

    /**
     * As {@link #requireWith(Tensor, String, Tensor, String)}, against a device name read once before (for checks
     * made at every micro-batch).
     */
    public static Tensor requireWith(Tensor t, String what, String device, String holder) {
        String actual = deviceOf(t);
        if (!actual.equals(device)) {
            throw new IllegalStateException(what + " (on " + actual + ") and " + holder + " (on " + device
                    + ") must be on the same device");
        }
        return t;
    }
}
