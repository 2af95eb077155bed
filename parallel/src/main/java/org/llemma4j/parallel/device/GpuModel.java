package org.llemma4j.parallel.device;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * THE table of GPU facts llemma4j uses: each model's memory as {@code nvidia-smi} reports it and its dense bf16
 * tensor-core peak from NVIDIA's datasheets (without sparsity). {@code launch plan} takes a row by its command-line
 * name ({@code --gpu h200}); on CUDA the trainer takes the row whose pattern matches the name CUDA reports for the
 * device ({@code "NVIDIA H100 80GB HBM3"}), for the denominator of MFU ({@link DatasheetPeak}).
 *
 * <p>Variants with another peak are told apart by their name: an H100 PCIe runs at 756 TFLOP/s, not the SXM's 989;
 * the NVL boards of the H100 and H200 are not in the table, so they ask for the {@code peak_tflops} key instead of
 * being taken for the SXM part.
 */
public enum GpuModel {
    A100_40GB("a100-40gb", "A100", "\\bA100\\b(?!.*\\b80GB\\b)", 40_960, 312),
    A100_80GB("a100-80gb", "A100", "\\bA100\\b.*\\b80GB\\b", 81_920, 312),
    H100_80GB("h100-80gb", "H100 SXM", "\\bH100\\b(?!.*\\b(PCIe|NVL)\\b)", 81_559, 989),
    H100_PCIE("h100-pcie", "H100 PCIe", "\\bH100\\b.*\\bPCIe\\b", 81_559, 756),
    H200("h200", "H200", "\\bH200\\b(?!.*\\bNVL\\b)", 143_771, 989);

    private static final long MIB = 1L << 20;

    private final String cliName;
    private final String model;
    private final Pattern deviceNames;
    private final long memoryMib;
    private final double bf16Tflops;

    GpuModel(String cliName, String model, String deviceNames, long memoryMib, double bf16Tflops) {
        this.cliName = cliName;
        this.model = model;
        this.deviceNames = Pattern.compile(deviceNames, Pattern.CASE_INSENSITIVE);
        this.memoryMib = memoryMib;
        this.bf16Tflops = bf16Tflops;
    }

    /** The name on the command line, such as {@code a100-40gb}. */
    public String cliName() {
        return cliName;
    }

    /** The model as the datasheet names it ({@code "H100 SXM"}); memory variants share it. */
    public String model() {
        return model;
    }

    /** Device memory in bytes: the total {@code nvidia-smi} shows. */
    public long memoryBytes() {
        return memoryMib * MIB;
    }

    /** Dense bf16 peak in FLOP/s. */
    public double bf16PeakFlops() {
        return bf16Tflops * 1e12;
    }

    /** By command-line name, case-insensitive. */
    public static GpuModel byCliName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(g -> g.cliName.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown GPU '" + name + "'; known: " + cliNames()));
    }

    /** The row for the name CUDA reports for a device, or empty when the table has none. */
    public static Optional<GpuModel> byDeviceName(String deviceName) {
        return Arrays.stream(values()).filter(g -> g.deviceNames.matcher(deviceName).find()).findFirst();
    }

    /** {@code a100-40gb, a100-80gb, h100-80gb, h100-pcie, h200}. */
    public static String cliNames() {
        return Arrays.stream(values()).map(GpuModel::cliName).collect(Collectors.joining(", "));
    }
}
