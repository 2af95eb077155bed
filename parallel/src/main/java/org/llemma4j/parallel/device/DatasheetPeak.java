package org.llemma4j.parallel.device;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The dense bf16 tensor-core peak of the GPUs llemma4j knows, from NVIDIA's datasheets (without sparsity): the
 * denominator of MFU on CUDA. Looked up by the name CUDA reports for the device ({@code "NVIDIA H100 80GB HBM3"});
 * a GPU not in the table is an error that asks for the {@code peak_tflops} key, never a guess.
 *
 * <p>Variants with another peak are told apart by their name: an H100 PCIe runs at 756 TFLOP/s, not the SXM's 989;
 * the NVL boards of the H100 and H200 are not in the table, so they ask for the key instead of being taken for the
 * SXM part.
 */
public final class DatasheetPeak {

    /** One row: a model, the device names that are that model, its dense bf16 peak in TFLOP/s. */
    private record Model(String model, Pattern names, double tflops) {
        Model {
            if (!(tflops > 0)) {
                throw new IllegalArgumentException(model + ": peak " + tflops + " TFLOP/s must be positive");
            }
        }
    }

    private static final List<Model> TABLE = List.of(
            new Model("A100", Pattern.compile("\\bA100\\b", Pattern.CASE_INSENSITIVE), 312),
            new Model("H100 SXM", Pattern.compile("\\bH100\\b(?!.*\\b(PCIe|NVL)\\b)", Pattern.CASE_INSENSITIVE), 989),
            new Model("H100 PCIe", Pattern.compile("\\bH100\\b.*\\bPCIe\\b", Pattern.CASE_INSENSITIVE), 756),
            new Model("H200", Pattern.compile("\\bH200\\b(?!.*\\bNVL\\b)", Pattern.CASE_INSENSITIVE), 989));

    private DatasheetPeak() {
    }

    /** The dense bf16 peak in FLOP/s of the GPU named {@code deviceName}, or empty when it is not in the table. */
    public static OptionalDouble bf16Flops(String deviceName) {
        for (Model m : TABLE) {
            if (m.names.matcher(deviceName).find()) {
                return OptionalDouble.of(m.tflops * 1e12);
            }
        }
        return OptionalDouble.empty();
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
        return TABLE.stream().map(m -> String.format(Locale.ROOT, "%s %.0f", m.model, m.tflops))
                .collect(Collectors.joining(", ")) + " TFLOP/s";
    }
}
