package org.llemma4j.parallel;

/**
 * A distributed operation failed: rendezvous, group creation or a collective. The message names the host, port,
 * rank, world size and the numbers involved; the cause, when any, is libtorch's own error.
 */
public class DistributedException extends RuntimeException {

    public DistributedException(String message) {
        super(message);
    }

    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The useful part of a libtorch error: its first line. c10 appends "Exception raised from ..." and a native
     * stack of frames to every message, which buries the one sentence a user needs.
     */
    static String nativeReason(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int cut = m.indexOf("Exception raised from");
        if (cut > 0) {
            m = m.substring(0, cut);
        }
        int newline = m.indexOf('\n');
        if (newline > 0) {
            m = m.substring(0, newline);
        }
        return m.strip();
    }
}
