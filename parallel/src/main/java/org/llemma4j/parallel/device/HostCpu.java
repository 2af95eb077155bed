package org.llemma4j.parallel.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's processor, as {@code /proc/cpuinfo} names it, for the start line and benchmark reports. */
public final class HostCpu {

    private HostCpu() {
    }

    /** {@code "AMD EPYC 7B13"}, or the JVM's architecture where {@code /proc/cpuinfo} has no model name. */
    public static String modelName() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown " + System.getProperty("os.arch") + " CPU");
        } catch (IOException e) {
            return "unknown " + System.getProperty("os.arch") + " CPU";
        }
    }
}
