package org.llemma4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.Fixtures;
import org.llemma4j.data.InvalidDataException;

class HuggingFaceTokenizerTest {

    static final Path JSON = Fixtures.resolve("tokenizers/mistral-hf/tokenizer.json");

    @Test
    void roundTripsTextAndReportsSpecialIds() throws Exception {
        try (Tokenizer tok = Tokenizers.open(JSON)) {
            assertTrue(tok instanceof HuggingFaceTokenizer);
            assertEquals(32000, tok.vocabSize());
            assertEquals(2, tok.eodId());
            assertEquals(1, tok.bosId());
            for (String s : SentencePieceTokenizerTest.referenceStrings()) {
                int[] ids = tok.encode(s);
                assertTrue(Arrays.stream(ids).noneMatch(id -> id == 1), "no BOS added for '" + s + "'");
                assertEquals(s, tok.decode(ids), "round trip of '" + s + "'");
            }
            // Long text is not truncated.
            String longText = "Let $x$ be a real number. ".repeat(2000);
            assertEquals(longText, tok.decode(tok.encode(longText)));
        }
    }

    @Test
    void agreesWithSentencePieceOnOrdinaryText() throws Exception {
        // Mistral's vocabulary differs from Llama's, but both map "Hello" after the dummy prefix.
        try (Tokenizer tok = Tokenizers.open(JSON)) {
            int[] ids = tok.encode("Hello world");
            assertEquals("Hello world", tok.decode(ids));
            assertEquals(2, ids.length);
        }
    }

    @Test
    void badFilesAreRejected(@TempDir Path tmp) throws Exception {
        Path missing = tmp.resolve("nope.json");
        NoSuchFileException e1 = assertThrows(NoSuchFileException.class, () -> Tokenizers.open(missing));
        assertEquals(missing + ": tokenizer file does not exist", e1.getMessage());

        Path txt = tmp.resolve("vocab.txt");
        Files.writeString(txt, "x");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> Tokenizers.open(txt));
        assertEquals("cannot tell the tokenizer type of " + txt
                + ": expected a SentencePiece '.model' or a Hugging Face '.json' file", e2.getMessage());

        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"model\": {\"vocab\": ");
        InvalidDataException e3 = assertThrows(InvalidDataException.class, () -> Tokenizers.open(broken));
        assertTrue(e3.getMessage().startsWith(broken + " is not valid JSON: "), e3.getMessage());

        Path noVocab = tmp.resolve("novocab.json");
        Files.writeString(noVocab, "{\"model\": {\"type\": \"Unigram\"}}");
        InvalidDataException e4 = assertThrows(InvalidDataException.class, () -> Tokenizers.open(noVocab));
        assertEquals(noVocab + " has no 'model.vocab' object; only tokenizer.json files with a token-to-id"
                + " vocabulary (BPE, WordPiece, WordLevel) are supported", e4.getMessage());

        Path noEod = tmp.resolve("noeod.json");
        Files.writeString(noEod, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}");
        InvalidDataException e5 = assertThrows(InvalidDataException.class, () -> Tokenizers.open(noEod));
        assertEquals(noEod + " has neither '</s>' nor '<|endoftext|>' to use as the end-of-document id",
                e5.getMessage());
    }
}
