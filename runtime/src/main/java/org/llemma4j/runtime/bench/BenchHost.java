package org.llemma4j.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.llemma4j.parallel.device.HostCpu;

/** What every benchmark says about the machine it ran on, so that a figure can be read with its context. */
public final class BenchHost {

    /** cpuinfo flags that decide bf16 matmul speed, in the order printed. */
    private static final List<String> BF16_FLAGS = List.of("avx512f", "avx512_bf16", "amx_tile", "amx_bf16");

    private BenchHost() {
    }

    /**
     * The CPU model and the instruction-set extensions that decide its bf16 speed: AVX-512, its BF16 dot products,
     * and AMX tiles; {@code "AMD EPYC 7B13 (avx512f)"}.
     */
    public static String cpu() {
        Set<String> flags = HostCpu.flags();
        List<String> present = BF16_FLAGS.stream().filter(flags::contains).toList();
        return HostCpu.modelName() + " (" + (present.isEmpty() ? "no AVX-512 or AMX" : String.join(" ", present))
                + ")";
    }

    /** The 1-, 5- and 15-minute load averages, so a figure taken on a busy machine says so. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
