package org.llemma4j.trainer.plan;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The GPUs {@code launch plan} knows: memory as {@code nvidia-smi} reports it, and the dense bf16 tensor-core peak
 * from the vendor's data sheet (without sparsity), the denominator of MFU.
 */
public enum Gpu {
    A100_40GB("a100-40gb", 40_960, 312e12),
    A100_80GB("a100-80gb", 81_920, 312e12),
    H100_80GB("h100-80gb", 81_559, 989e12);

    private static final long MIB = 1L << 20;

    private final String cliName;
    private final long memoryMib;
    private final double bf16PeakFlops;

    Gpu(String cliName, long memoryMib, double bf16PeakFlops) {
        this.cliName = cliName;
        this.memoryMib = memoryMib;
        this.bf16PeakFlops = bf16PeakFlops;
    }

    /** The name on the command line, such as {@code a100-40gb}. */
    public String cliName() {
        return cliName;
    }

    /** Device memory in bytes (the total {@code nvidia-smi} shows). */
    public long memoryBytes() {
        return memoryMib * MIB;
    }

    /** Dense bf16 peak, FLOP/s (A100 312 T, H100 SXM 989 T). */
    public double bf16PeakFlops() {
        return bf16PeakFlops;
    }

    /** By command-line name, case-insensitive. */
    public static Gpu byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Gpu gpu : values()) {
            if (gpu.cliName.equals(wanted)) {
                return gpu;
            }
        }
        throw new IllegalArgumentException("unknown GPU '" + name + "'; known: " + names());
    }

    /** {@code a100-40gb, a100-80gb, h100-80gb}. */
    public static String names() {
        return Arrays.stream(values()).map(Gpu::cliName).collect(Collectors.joining(", "));
    }
}
