package org.llemma4j.parallel.device;

import java.util.Locale;

/** The {@code device} a configuration asks for; {@link ComputeDevice#select} turns it into a device. */
public enum DeviceRequest {
    /** CUDA when libtorch sees a CUDA device, otherwise the CPU. */
    AUTO,
    CPU,
    CUDA;

    /** Parses a configuration value ({@code auto}, {@code cpu}, {@code cuda}; case-insensitive). */
    public static DeviceRequest parse(String value) {
        for (DeviceRequest r : values()) {
            if (r.name().equalsIgnoreCase(value.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("device '" + value + "' is not one of auto, cpu, cuda");
    }

    /** The spelling in a configuration: {@code auto}, {@code cpu}, {@code cuda}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
