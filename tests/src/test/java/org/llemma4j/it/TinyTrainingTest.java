package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.launch.Launch;

/** README's first command: {@code launch train --config configs/tiny.yaml} on the embedded sample data. */
class TinyTrainingTest {

    @Test
    void tinyConfigLossFallsByTwoNats(@TempDir Path runDir) throws Exception {
        int status = Launch.run(new String[] {"train", "--config", "configs/tiny.yaml", "--run-dir",
                runDir.toString()});
        assertEquals(0, status);

        List<JsonNode> records = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            JsonNode record = json.readTree(line);
            if (record.has("loss")) {
                records.add(record);
            }
        }
        double first = records.get(0).get("loss").asDouble();
        double last = records.get(records.size() - 1).get("loss").asDouble();
        assertEquals(1, records.get(0).get("step").asLong());
        assertTrue(first - last >= 2.0, "loss went from " + first + " to " + last + "; expected a drop of 2 nats");
        // tiny.yaml leaves intra_op_threads to the launcher; the resolved config records what it chose (one rank).
        String resolved = Files.readString(runDir.resolve("config.yaml"));
        assertTrue(resolved.contains("\nintra_op_threads: " + Runtime.getRuntime().availableProcessors() + "\n"),
                resolved);
    }
}
