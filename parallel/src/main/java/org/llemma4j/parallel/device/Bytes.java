package org.llemma4j.parallel.device;

import java.util.Locale;

/** Byte counts as people read them in messages. */
public final class Bytes {

    private static final double GIB = 1L << 30;

    private Bytes() {
    }

    /** {@code "79.2 GiB"}; {@code "unknown memory"} for -1. */
    public static String gib(long bytes) {
        return bytes < 0 ? "unknown memory" : String.format(Locale.ROOT, "%.1f GiB", bytes / GIB);
    }
}
