package org.llemma4j.runtime.check;

/** The verdict of one check. */
public enum CheckStatus {
    PASS,
    FAIL,
    /** Not run here, for a reason the line names (CUDA-only on the CPU, one GPU where two are needed). */
    SKIP
}
