package org.llemma4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/** Checks a written file against the format rules directly on its bytes, not through our reader. */
public final class HeaderRules {

    private HeaderRules() {
    }

    /** 8-byte length, header a multiple of 8 bytes, offsets increasing from 0 with no hole to the end of file. */
    public static void assertFollowed(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header length is a multiple of 8");
        String json = new String(all, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(json.strip(), json.stripTrailing(), "no leading padding");
        assertTrue(json.stripTrailing().endsWith("}") && json.stripTrailing().length() > json.length() - 8,
                "at most 7 trailing spaces of padding");
        JsonNode root = new ObjectMapper().readTree(json);
        assertEquals("pt", root.get("__metadata__").get("format").asText());
        long expected = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode off = e.getValue().get("data_offsets");
            assertEquals(expected, off.get(0).asLong(), "tensor " + e.getKey() + " starts where the previous ends");
            expected = off.get(1).asLong();
        }
        assertEquals(all.length - 8 - n, expected, "the last tensor ends at the end of the file");
    }
}
