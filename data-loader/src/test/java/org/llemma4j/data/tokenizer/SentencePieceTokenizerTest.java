package org.llemma4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.Fixtures;
import org.llemma4j.data.InvalidDataException;

class SentencePieceTokenizerTest {

    static final Path DIR = Fixtures.resolve("tokenizers/llama2-spm");
    static SentencePieceTokenizer tok;

    @BeforeAll
    static void open() throws Exception {
        tok = SentencePieceTokenizer.open(DIR.resolve("tokenizer.model"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** The .inp strings each end with the separator; the .out has one line of ids (leading space) per string. */
    static List<String> referenceStrings() throws Exception {
        String inp = Files.readString(DIR.resolve("reference-encodings.inp"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> strings = new ArrayList<>(Arrays.asList(inp.split(sep, -1)));
        assertEquals("", strings.remove(strings.size() - 1), "the file ends with a separator");
        return strings;
    }

    static List<int[]> referenceIds() throws Exception {
        List<int[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("reference-encodings.out"), StandardCharsets.UTF_8)) {
            String t = line.trim();
            out.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        return out;
    }

    @Test
    void reproducesAll46ReferenceEncodings() throws Exception {
        List<String> strings = referenceStrings();
        List<int[]> ids = referenceIds();
        assertEquals(46, strings.size());
        assertEquals(46, ids.size());
        List<Integer> wrong = new ArrayList<>();
        for (int i = 0; i < strings.size(); i++) {
            if (!Arrays.equals(ids.get(i), tok.encode(strings.get(i)))) {
                wrong.add(i);
            }
        }
        for (int i : wrong) {
            assertArrayEquals(ids.get(i), tok.encode(strings.get(i)), "string " + i + ": '" + strings.get(i) + "'");
        }
    }

    @Test
    void decodesReferenceEncodingsBackToTheirText() throws Exception {
        List<String> strings = referenceStrings();
        List<int[]> ids = referenceIds();
        for (int i = 0; i < strings.size(); i++) {
            assertEquals(strings.get(i), tok.decode(ids.get(i)), "string " + i);
        }
    }

    @Test
    void specialIdsAndVocabulary() {
        assertEquals(32000, tok.vocabSize());
        assertEquals(2, tok.eodId());
        assertEquals(1, tok.bosId());
        assertEquals(0, tok.unkId());
        assertEquals("", tok.decode(new int[] {1, 2}));
        assertEquals("<0x0A>", tok.piece(13));
    }

    @Test
    void textAroundOutOfPlaneCharactersAndNul() {
        // Leading emoji: the dummy prefix stays a lone "▁" as in whole-text SentencePiece.
        int[] ids = tok.encode("\uD83E\uDD99 llama");
        assertEquals(29871, ids[0]);
        assertEquals(243, ids[1]);
        assertEquals("\uD83E\uDD99 llama", tok.decode(ids));
        assertEquals("a\u0000b", tok.decode(tok.encode("a\u0000b")));
        assertArrayEquals(new int[] {263, 3, 29890}, tok.encode("a\u0000b"));
        // An unpaired surrogate becomes '?', Java's substitution when converting such text to UTF-8.
        assertEquals("x?", tok.decode(tok.encode("x\uD800")));
        // Byte pieces that are not valid UTF-8 decode to U+FFFD, as in SentencePiece.
        assertEquals("\uFFFD", tok.decode(new int[] {243}));
    }

    @Test
    void idOutsideVocabularyIsRejectedOnDecode() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {5, 32000}));
        assertEquals("token id 32000 is outside the vocabulary of " + DIR.resolve("tokenizer.model")
                + " (32000 pieces)", e.getMessage());
    }

    @Test
    void corruptModelIsRejected(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.model");
        Files.write(bad, new byte[] {0x0A, 0x7F, 0x01});
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> SentencePieceTokenizer.open(bad));
        assertEquals(bad + " is not a valid SentencePiece model: field of 127 bytes at offset 2 runs past the end"
                + " (3)", e.getMessage());
        Files.write(bad, new byte[0]);
        e = assertThrows(InvalidDataException.class, () -> SentencePieceTokenizer.open(bad));
        assertEquals(bad + " is not a valid SentencePiece model: it has no pieces", e.getMessage());
        // Two pieces, "<unk>" (type 2) and "a", and no "</s>".
        Files.write(bad, new byte[] {0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k', '>', 0x18, 0x02,
            0x0A, 0x03, 0x0A, 0x01, 'a'});
        e = assertThrows(InvalidDataException.class, () -> SentencePieceTokenizer.open(bad));
        assertEquals(bad + " has no '</s>' piece to use as the end-of-document id", e.getMessage());
    }

    @Test
    void modelsTheJavaEncoderDoesNotImplementAreRefusedNamingWhy(@TempDir Path tmp) throws Exception {
        // SentencePiece's defaults: a unigram model, no byte fallback, extra whitespace removed.
        Path unigram = tmp.resolve("unigram.model");
        Files.write(unigram, modelProto(new byte[0], new byte[0], "<unk>", "<s>", "</s>", "a"));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> SentencePieceTokenizer.open(unigram));
        assertEquals(unigram + ": this SentencePiece model needs what the built-in BPE encoder (for Llama-style"
                + " models) does not do: model_type 1 (only 2, BPE, is supported), byte_fallback false,"
                + " remove_extra_whitespaces true", e.getMessage());
        // Llama's settings, but a piece whose characters are not pieces: BPE could not have built it.
        Path unreachable = tmp.resolve("unreachable.model");
        byte[] bpeWithByteFallback = {0x18, 0x02, (byte) 0x98, 0x02, 0x01};
        byte[] identity = {0x0A, 0x08, 'i', 'd', 'e', 'n', 't', 'i', 't', 'y', 0x20, 0x00};
        Files.write(unreachable, modelProto(bpeWithByteFallback, identity, "<unk>", "<s>", "</s>", "ab"));
        e = assertThrows(InvalidDataException.class, () -> SentencePieceTokenizer.open(unreachable));
        assertEquals(unreachable + ": piece 3 'ab' contains U+61, which is not a piece of its own: BPE could never"
                + " have built it", e.getMessage());
    }

    /**
     * A ModelProto: pieces (the first is {@code <unk>}, type 2, the next two control pieces, type 3, the rest
     * normal), then a TrainerSpec and a NormalizerSpec with the given field bytes.
     */
    private static byte[] modelProto(byte[] trainerSpec, byte[] normalizerSpec, String... pieces) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < pieces.length; i++) {
            byte[] text = pieces[i].getBytes(StandardCharsets.UTF_8);
            int type = i == 0 ? 2 : i < 3 ? 3 : 1;
            out.write(0x0A);
            out.write(text.length + 4);
            out.write(0x0A);
            out.write(text.length);
            out.writeBytes(text);
            out.write(0x18);
            out.write(type);
        }
        for (int field = 2; field <= 3; field++) {
            byte[] spec = field == 2 ? trainerSpec : normalizerSpec;
            if (spec.length > 0) {
                out.write(field << 3 | 2);
                out.write(spec.length);
                out.writeBytes(spec);
            }
        }
        return out.toByteArray();
    }
}
