package org.llemma4j.parallel.device;

import java.util.Arrays;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The denominator of MFU on CUDA: the dense bf16 tensor-core peak of the GPU CUDA names, read from {@link GpuModel}'s
 * table. A GPU not in the table is an error that asks for the {@code peak_tflops} key, never a guess.
 */
public final class DatasheetPeak {

    private DatasheetPeak() {
    }

    /** The dense bf16 peak in FLOP/s of the GPU named {@code deviceName}, or empty when it is not in the table. */
    public static OptionalDouble bf16Flops(String deviceName) {
        return GpuModel.byDeviceName(deviceName).map(g -> OptionalDouble.of(g.bf16PeakFlops()))
                .orElse(OptionalDouble.empty());
    }

    /**
     * As {@link #bf16Flops}, for a GPU that must be in the table.
     *
     * @param device the libtorch device, {@code cuda:0}, for the message
     * @throws DeviceException naming the GPU, the known models and the key that overrides the table
     */
    public static double requireBf16Flops(String deviceName, String device) {
        return bf16Flops(deviceName).orElseThrow(() -> new DeviceException(String.format(Locale.ROOT,
                "the GPU '%s' on %s has no dense bf16 peak in llemma4j's datasheet table (%s): set peak_tflops to"
                        + " its dense bf16 TFLOP/s (the datasheet's figure without sparsity) so MFU can be computed",
                deviceName, device, known())));
    }

    /** {@code "A100 312, H100 SXM 989, H100 PCIe 756, H200 989 TFLOP/s"}. */
    public static String known() {
        return Arrays.stream(GpuModel.values())
                .map(g -> String.format(Locale.ROOT, "%s %.0f", g.model(), g.bf16PeakFlops() / 1e12)).distinct()
                .collect(Collectors.joining(", ")) + " TFLOP/s";
    }
}
