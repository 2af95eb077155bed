package org.llemma4j.checkpoint;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** File and directory names inside a save directory (docs/checkpoints.md, "Layout"). */
public final class CheckpointNames {

    public static final String LATEST = "latest";
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{6,})");
    private static final String TMP_MARK = ".tmp-";

    private CheckpointNames() {
    }

    /** {@code step-000500}: six digits at least, so names sort by step up to a million steps. */
    public static String stepDir(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return String.format(Locale.ROOT, "step-%06d", step);
    }

    /** The step a directory name denotes, or -1 if it is not a step directory name. */
    public static long parseStepDir(String name) {
        Matcher m = STEP_DIR.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** {@code .step-000500.tmp-<saveId>}: hidden, and never mistaken for a complete step. */
    public static String tempStepDir(long step, String saveId) {
        if (!saveId.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("save id must be letters, digits, '-' or '_', got " + saveId);
        }
        return "." + stepDir(step) + TMP_MARK + saveId;
    }

    /** Whether {@code name} is a temporary step directory (complete or abandoned). */
    public static boolean isTempStepDir(String name) {
        return name.startsWith(".step-") && name.contains(TMP_MARK);
    }

    /** {@code model-tp00-of-02.safetensors}: the weights TP rank {@code tpRank} holds. */
    public static String modelFile(int tpRank, int tp) {
        return String.format(Locale.ROOT, "model-tp%02d-of-%02d.safetensors", tpRank, tp);
    }

    /** Where a rank leaves the CRC-32C of a data file it wrote, for commit to collect. */
    public static java.nio.file.Path checksumSidecar(java.nio.file.Path dataFile) {
        return dataFile.resolveSibling(dataFile.getFileName() + CHECKSUM_SUFFIX);
    }

    static final String CHECKSUM_SUFFIX = ".crc32c";

    /** {@code optim-tp00-dp003.safetensors}: the optimizer state of TP rank {@code tpRank}, DP rank {@code dpRank}. */
    public static String optimFile(int tpRank, int dpRank) {
        return String.format(Locale.ROOT, "optim-tp%02d-dp%03d.safetensors", tpRank, dpRank);
    }
}
