package org.llemma4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llemma4j.data.Fixtures;

/** Encoding long texts in newline-separated chunks gives exactly the ids of encoding them whole. */
class ChunkedEncodingTest {

    static final Path MODEL = Fixtures.resolve("tokenizers/llama2-spm/tokenizer.model");

    static List<String> corpusTexts() throws Exception {
        List<String> texts = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String f : List.of("arxiv/train/arxiv-0001.jsonl.zst", "arxiv/validation/arxiv-0000.jsonl.zst",
                "open-web-math/validation/open-web-math-0000.jsonl.zst",
                "algebraic-stack/validation/algebraic-stack-0000.jsonl.zst")) {
            Path p = Fixtures.resolve("proof-pile-2-mini/" + f);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new ZstdInputStream(Files.newInputStream(p)), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    texts.add(mapper.readTree(line).get("text").asText());
                }
            }
        }
        return texts;
    }

    @Test
    void chunkedEqualsWholeOnCorpusAndReferenceStrings() throws Exception {
        List<String> texts = new ArrayList<>(corpusTexts());
        texts.addAll(SentencePieceTokenizerTest.referenceStrings());
        texts.add("\n\nstarts with newlines\n \n\t\nand ends with them\n\n");
        texts.add("trailing spaces  \n  leading spaces\r\nwindows line\u00a0end\n\uD83E\uDD99\nemoji line");
        try (SentencePieceTokenizer whole = SentencePieceTokenizer.open(MODEL, 0);
                SentencePieceTokenizer tiny = SentencePieceTokenizer.open(MODEL, 1);
                SentencePieceTokenizer normal = SentencePieceTokenizer.open(MODEL)) {
            assertFalse(whole.encodesInChunks());
            assertTrue(tiny.encodesInChunks());
            assertTrue(normal.encodesInChunks());
            int longTexts = 0;
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i);
                int[] expected = whole.encode(t);
                assertArrayEquals(expected, tiny.encode(t), "text " + i + " split at every newline");
                assertArrayEquals(expected, normal.encode(t), "text " + i + " in default chunks");
                if (t.length() > SentencePieceTokenizer.DEFAULT_CHUNK_CHARS) {
                    longTexts++;
                }
            }
            assertTrue(longTexts > 20, "the corpus sample exercises chunking: " + longTexts + " long texts");
            assertEquals(texts.get(0), normal.decode(normal.encode(texts.get(0))));
        }
    }
}
