package org.llemma4j.parallel.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The host's processor, as {@code /proc/cpuinfo} names it, for the start line and benchmark reports. */
public final class HostCpu {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private HostCpu() {
    }

    /** {@code "AMD EPYC 7B13"}, or the JVM's architecture where {@code /proc/cpuinfo} has no model name. */
    public static String modelName() {
        return field("model name").orElse("unknown " + System.getProperty("os.arch") + " CPU");
    }

    /** The instruction-set flags of the first processor ({@code avx512f}, {@code amx_bf16}, ...); empty if unknown. */
    public static Set<String> flags() {
        return field("flags").map(f -> Set.of(f.split("\\s+"))).orElse(Set.of());
    }

    // The value of the first "name : value" line of /proc/cpuinfo whose name starts with `name`.
    private static Optional<String> field(String name) {
        try {
            List<String> lines = Files.readAllLines(CPUINFO);
            return lines.stream().filter(l -> l.startsWith(name)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
