package org.llemma4j.data.preprocess;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.llemma4j.data.InvalidDataException;

/**
 * Turns a {@link RawRecord} into its document text, or explains precisely why it cannot: invalid UTF-8,
 * malformed JSON (skippable with {@code --skip-bad-lines}), a missing key or a key that is not a string. Every
 * message starts with {@code file:line}. Thread-safe.
 */
final class DocumentParser {

    /** A record to skip (a malformed line under {@code --skip-bad-lines}); compared by identity. */
    static final String SKIP = new String("<skip>");

    private final JsonFactory factory;
    private final String key;
    private final boolean skipBadLines;

    DocumentParser(String key, boolean skipBadLines) {
        // Jackson caps strings at 20M characters by default; a single Proof-Pile-2 document can be larger.
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                .build();
        this.key = key;
        this.skipBadLines = skipBadLines;
    }

    /** The text, or {@link #SKIP}. */
    String text(RawRecord r) throws InvalidDataException {
        int bad = Utf8.firstInvalid(r.bytes());
        if (bad >= 0) {
            long line = Utf8.lineOf(r.bytes(), bad, r.line());
            int lineStart = bad;
            while (lineStart > 0 && r.bytes()[lineStart - 1] != '\n') {
                lineStart--;
            }
            throw new InvalidDataException(String.format("%s:%d: invalid UTF-8: byte 0x%02X at column %d",
                    r.file(), line, r.bytes()[bad] & 0xFF, bad - lineStart + 1));
        }
        if (!r.json()) {
            return new String(r.bytes(), StandardCharsets.UTF_8);
        }
        try (JsonParser p = factory.createParser(r.bytes())) {
            return fromJson(r, p);
        } catch (InvalidDataException e) {
            throw e;
        } catch (JsonProcessingException e) {
            return malformed(r, e.getOriginalMessage().replaceAll("\\s+", " ") + " at column "
                    + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw new InvalidDataException(r.file() + ":" + r.line() + ": " + e.getMessage(), e);
        }
    }

    private String fromJson(RawRecord r, JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first != JsonToken.START_OBJECT) {
            return malformed(r, "expected a JSON object, found " + describe(first));
        }
        String text = null;
        JsonToken keyType = null;
        List<String> keys = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals(key)) {
                keyType = value;
                if (value == JsonToken.VALUE_STRING) {
                    text = p.getText();
                } else {
                    p.skipChildren();
                }
            } else {
                if (keys.size() < 10) {
                    keys.add(name);
                }
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            return malformed(r, "unexpected " + describe(t));
        }
        JsonToken after = p.nextToken();
        if (after != null) {
            return malformed(r, "unexpected " + describe(after) + " after the JSON object");
        }
        if (keyType == null) {
            throw new InvalidDataException(r.file() + ":" + r.line() + ": no key '" + key + "' in the JSON object"
                    + (keys.isEmpty() ? " (it is empty)" : " (keys: " + String.join(", ", keys) + ")"));
        }
        if (text == null) {
            throw new InvalidDataException(r.file() + ":" + r.line() + ": key '" + key + "' is not a string but "
                    + describe(keyType));
        }
        return text;
    }

    private String malformed(RawRecord r, String detail) throws InvalidDataException {
        if (skipBadLines) {
            return SKIP;
        }
        throw new InvalidDataException(r.file() + ":" + r.line() + ": malformed JSON: " + detail
                + " (--skip-bad-lines skips such lines)");
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of line";
        }
        switch (t) {
            case START_ARRAY: return "an array";
            case START_OBJECT: return "an object";
            case VALUE_STRING: return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE: return "a boolean";
            case VALUE_NULL: return "null";
            default: return t.toString();
        }
    }
}
