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
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each logged step to the console and as one JSON object per line to {@code <run dir>/metrics.jsonl},
 * appending, so a resumed run continues the same file; the numbers also go to a TensorBoard event file in the run
 * directory ({@link TensorBoardWriter}), one scalar per field, tagged with the field's name.
 */
public final class MetricsLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("train");
    // snake_case field names (grad_norm, tokens_per_sec, ...), as GPT-NeoX and TensorBoard users expect.
    private static final ObjectMapper JSON =
            new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final BufferedWriter out;      // null: a rank other than 0, which reports nothing
    private final TensorBoardWriter events; // null with out

    private MetricsLog(BufferedWriter out, TensorBoardWriter events) {
        this.out = out;
        this.events = events;
    }

    /** The log of ranks other than 0: they train silently, so each figure appears once. */
    public static MetricsLog discard() {
        return new MetricsLog(null, null);
    }

    public MetricsLog(Path runDir) {
        try {
            Files.createDirectories(runDir);
            this.out = Files.newBufferedWriter(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics.jsonl in run directory " + runDir, e);
        }
        this.events = new TensorBoardWriter(runDir);
    }

    public void log(StepMetrics m) {
        if (out == null) {
            return;
        }
        LOG.info(m.format());
        write(m.fields());
    }

    /**
     * Any other event (validation loss, a skipped step) as one JSON line; when it has a numeric {@code step}, its
     * other numeric fields also go to TensorBoard.
     */
    public void write(Map<?, ?> record) {
        if (out == null) {
            return;
        }
        if (record.get("step") instanceof Number step) {
            Map<String, Number> scalars = new LinkedHashMap<>();
            record.forEach((k, v) -> {
                if (!"step".equals(k) && v instanceof Number n) {
                    scalars.put(String.valueOf(k), n);
                }
            });
            if (!scalars.isEmpty()) {
                events.scalars(step.longValue(), scalars);
            }
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
            events.close();
        }
    }
}
