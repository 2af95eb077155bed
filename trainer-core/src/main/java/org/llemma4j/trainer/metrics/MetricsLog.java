package org.llemma4j.trainer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each logged step to the console and as one JSON object per line to {@code <run dir>/metrics.jsonl},
 * appending, so a resumed run continues the same file.
 */
public final class MetricsLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("train");
    // snake_case field names (grad_norm, tokens_per_sec, ...), as GPT-NeoX and TensorBoard users expect.
    private static final ObjectMapper JSON =
            new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final BufferedWriter out;      // null: a rank other than 0, which reports nothing

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /** The log of ranks other than 0: they train silently, so each figure appears once. */
    public static MetricsLog discard() {
        return new MetricsLog((BufferedWriter) null);
    }

    public MetricsLog(Path runDir) {
        try {
            Files.createDirectories(runDir);
            this.out = Files.newBufferedWriter(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics.jsonl in run directory " + runDir, e);
        }
    }

    public void log(StepMetrics m) {
        if (out == null) {
            return;
        }
        LOG.info(m.format());
        write(JSON.convertValue(m, Map.class));
    }

    /** Any other event (validation loss, a skipped step) as one JSON line. */
    public void write(Map<?, ?> record) {
        if (out == null) {
            return;
        }
        try {
            out.write(JSON.writeValueAsString(record));
            out.newLine();
            out.flush();      // a crash must not lose the lines of steps that finished
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics.jsonl", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
