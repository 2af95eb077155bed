package org.llemma4j.parallel.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory ({@code /proc/self/status}: native tensors included, unlike the Java heap) and the
 * host's physical memory ({@code /proc/meminfo}). Figures are -1 where {@code /proc} cannot be read.
 */
public final class HostMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    /** Writing "5" here resets the peak resident set (VmHWM) to the current one (Linux 4.0 and later). */
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private HostMemory() {
    }

    /** Current resident set size in bytes, or -1. */
    public static long residentBytes() {
        return field(STATUS, "VmRSS:");
    }

    /** Peak resident set size in bytes (since the start, or the last {@link #resetPeak()}), or -1. */
    public static long peakResidentBytes() {
        return field(STATUS, "VmHWM:");
    }

    /** The host's physical memory in bytes, or -1. */
    public static long totalBytes() {
        return field(MEMINFO, "MemTotal:");
    }

    /** The resident set now and at its peak, read in one pass so the peak is never below the current. */
    static MemoryStats stats() {
        long current = -1;
        long peak = -1;
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    current = kilobytes(line, "VmRSS:");
                } else if (line.startsWith("VmHWM:")) {
                    peak = kilobytes(line, "VmHWM:");
                }
            }
        } catch (IOException | RuntimeException e) {
            current = -1;
            peak = -1;
        }
        if (current < 0 || peak < 0) {
            current = -1;
            peak = -1;
        }
        return new MemoryStats(MemoryStats.Source.PROCESS_RESIDENT, current, peak, current, peak);
    }

    /**
     * Resets the peak resident set to the current one.
     *
     * @return false where the kernel does not allow it (no {@code /proc}, or a kernel before 4.0): the peak then
     *         keeps counting from the process start
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long field(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(name)) {
                    return kilobytes(line, name);
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@code "VmRSS:    1764 kB"} to bytes. */
    private static long kilobytes(String line, String name) {
        return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
    }
}
