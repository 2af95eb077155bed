package org.llemma4j.data.preprocess;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line on stderr: throughput in documents, tokens and text megabytes per second, and an ETA from the
 * share of the on-disk input consumed (compressed bytes for {@code .zst}, so the estimate needs no decompression
 * ahead of time).
 */
final class Progress {

    private final PrintStream out;
    private final long totalInputBytes;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastPrint = start;

    Progress(PrintStream out, long totalInputBytes, long intervalMillis) {
        this.out = out;
        this.totalInputBytes = totalInputBytes;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    long startNanos() {
        return start;
    }

    void update(long documents, long tokens, long textBytes, long inputPosition) {
        long now = System.nanoTime();
        if (out == null || now - lastPrint < intervalNanos) {
            return;
        }
        lastPrint = now;
        double s = (now - start) / 1e9;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "preprocess: %,d docs, %s tokens, %.1f MB | %,.0f docs/s, %s tokens/s,"
                + " %.2f MB/s", documents, human(tokens), textBytes / 1e6, documents / s, human(tokens / s),
                textBytes / 1e6 / s));
        if (totalInputBytes > 0 && inputPosition > 0) {
            double fraction = Math.min(1.0, (double) inputPosition / totalInputBytes);
            long eta = Math.round(s / fraction - s);
            sb.append(String.format(Locale.ROOT, " | %.0f%% of input, ETA %s", 100 * fraction, clock(eta)));
        }
        out.println(sb);
    }

    static String human(double v) {
        if (v >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1fK", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String clock(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    /** The final summary, printed whatever the interval. */
    static String summary(PreprocessResult r) {
        return String.format(Locale.ROOT, "preprocess: wrote %s.{bin,idx} (%s): %,d documents, %,d tokens, %.1f MB"
                + " of text from %d files in %.1f s (%,.0f docs/s, %,.0f tokens/s, %.2f MB/s)%s",
                r.datasetPrefix(), r.dtype(), r.documents(), r.tokens(), r.textBytes() / 1e6, r.files(),
                r.elapsed().toNanos() / 1e9, r.documentsPerSecond(), r.tokensPerSecond(), r.megabytesPerSecond(),
                r.skippedLines() > 0 ? "; skipped " + r.skippedLines() + " malformed lines" : "");
    }
}
