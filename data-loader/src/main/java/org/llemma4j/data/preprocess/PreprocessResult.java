package org.llemma4j.data.preprocess;

import java.nio.file.Path;
import java.time.Duration;
import org.llemma4j.data.indexed.DType;

/** What a preprocessing run wrote, and how fast. */
public record PreprocessResult(Path datasetPrefix, DType dtype, int files, long documents, long tokens,
        long textBytes, long skippedLines, Duration elapsed) {

    public double tokensPerSecond() {
        return tokens / seconds();
    }

    public double documentsPerSecond() {
        return documents / seconds();
    }

    public double megabytesPerSecond() {
        return textBytes / 1e6 / seconds();
    }

    private double seconds() {
        return Math.max(elapsed.toNanos(), 1) / 1e9;
    }
}
