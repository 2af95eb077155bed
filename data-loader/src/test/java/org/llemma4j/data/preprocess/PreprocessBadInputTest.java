package org.llemma4j.data.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.indexed.IndexedDataset;
import org.llemma4j.data.tokenizer.SentencePieceTokenizer;

/** Each bad input fails with a message naming the file and line, and leaves no output behind. */
class PreprocessBadInputTest {

    static SentencePieceTokenizer tok;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() throws Exception {
        tok = SentencePieceTokenizer.open(PreprocessorTest.MODEL);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    private PreprocessOptions options(Path... inputs) {
        return PreprocessOptions.of(Stream.of(inputs).map(Path::toString).toList(), PreprocessorTest.MODEL,
                tmp.resolve("out")).withWorkers(2);
    }

    private String fails(PreprocessOptions o) {
        Exception e = assertThrows(IOException.class, () -> new Preprocessor(o).progressTo(null, 0).run(tok));
        assertEquals(false, Files.exists(tmp.resolve("out_text_document.idx")), "no output after a failure");
        assertEquals(false, Files.exists(tmp.resolve("out_text_document.bin")), "no output after a failure");
        return e.getMessage();
    }

    /** Enough good lines before the bad one that it lands in a later batch and a different worker. */
    private static String goodLines(int n) {
        return ("{\"text\": \"" + "x".repeat(1000) + "\"}\n").repeat(n);
    }

    @Test
    void malformedJsonNamesFileAndLine() throws IOException {
        Path f = write("bad.jsonl", goodLines(700) + "{\"text\": \"unterminated}\n" + goodLines(2));
        assertEquals(f + ":701: malformed JSON: Unexpected end-of-input in VALUE_STRING at column 24"
                + " (--skip-bad-lines skips such lines)", fails(options(f)));
    }

    @Test
    void skipBadLinesSkipsAndCounts() throws Exception {
        Path f = write("bad.jsonl", "{\"text\": \"a\"}\n[1, 2]\n{\"text\": \"b\"} extra\n{\"text\": \"c\"}\n");
        assertEquals(f + ":2: malformed JSON: expected a JSON object, found an array (--skip-bad-lines skips such"
                + " lines)", fails(options(f)));
        PreprocessResult r = new Preprocessor(options(f).withSkipBadLines(true)).progressTo(null, 0).run(tok);
        assertEquals(2, r.documents());
        assertEquals(2, r.skippedLines());
        try (IndexedDataset ds = IndexedDataset.open(r.datasetPrefix())) {
            assertEquals("a", tok.decode(ds.readSequence(0)));
            assertEquals("c", tok.decode(ds.readSequence(1)));
        }
    }

    @Test
    void trailingContentIsMalformed() throws IOException {
        Path f = write("trail.jsonl", "{\"text\": \"b\"} extra\n");
        assertEquals(f + ":1: malformed JSON: Unrecognized token 'extra': was expecting (JSON String, Number,"
                + " Array, Object or token 'null', 'true' or 'false') at column 15 (--skip-bad-lines skips such"
                + " lines)", fails(options(f)));
    }

    @Test
    void missingKeyNamesFileLineAndKeys() throws IOException {
        Path f = write("nokey.jsonl", "{\"text\": \"a\"}\n\n{\"content\": \"b\", \"meta\": {\"text\": 1}}\n");
        assertEquals(f + ":3: no key 'text' in the JSON object (keys: content, meta)", fails(options(f)));
        // A missing key is not a malformed line: --skip-bad-lines does not hide it.
        assertEquals(f + ":3: no key 'text' in the JSON object (keys: content, meta)",
                fails(options(f).withSkipBadLines(true)));
        Path empty = write("empty.jsonl", "{}\n");
        assertEquals(empty + ":1: no key 'text' in the JSON object (it is empty)", fails(options(empty)));
    }

    @Test
    void badRecordsAfterTheTokenLimitAreNeverRead() throws Exception {
        Path f = write("late.jsonl", "{\"text\": \"Hello world\"}\n{\"text\": \"more\"}\n{broken\n");
        PreprocessResult r = new Preprocessor(options(f).withMaxTokens(2)).progressTo(null, 0).run(tok);
        assertEquals(1, r.documents());
        assertEquals(3, r.tokens());
    }

    @Test
    void keyThatIsNotAString() throws IOException {
        Path f = write("num.jsonl", "{\"text\": [\"a\"]}\n");
        assertEquals(f + ":1: key 'text' is not a string but an array", fails(options(f)));
    }

    @Test
    void invalidUtf8InJsonl() throws IOException {
        byte[] good = "{\"text\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', ' ', '"', 'a', (byte) 0xC3, '(', '"', '}', '\n'};
        byte[] all = new byte[good.length * 2 + bad.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(good, 0, all, good.length, good.length);
        System.arraycopy(bad, 0, all, 2 * good.length, bad.length);
        Path f = write("utf8.jsonl", all);
        assertEquals(f + ":3: invalid UTF-8: byte 0xC3 at column 12", fails(options(f)));
    }

    @Test
    void invalidUtf8InCompressedJsonl() throws IOException {
        Path f = tmp.resolve("utf8.jsonl.zst");
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(f))) {
            out.write("{\"text\": \"ok\"}\n{\"text\": \"\u00e9\"}\n".getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80,
                '"', '}', '\n'});
        }
        assertEquals(f + ":3: invalid UTF-8: byte 0xED at column 10", fails(options(f)));
    }

    @Test
    void invalidUtf8InTextFileNamesTheLine() throws IOException {
        Path f = write("bad.txt", new byte[] {'a', '\n', 'b', '\n', 'c', 'c', (byte) 0xFF, '\n'});
        assertEquals(f + ":3: invalid UTF-8: byte 0xFF at column 3", fails(options(f)));
    }

    @Test
    void corruptZstd() throws IOException {
        Path f = write("corrupt.jsonl.zst", "this is not zstd".getBytes(StandardCharsets.US_ASCII));
        String message = fails(options(f));
        assertEquals(true, message.startsWith(f + ": read failed after line 0: "), message);
    }

    @Test
    void missingAndUnsupportedInputs() throws IOException {
        Path missing = tmp.resolve("nope.jsonl");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> new Preprocessor(options(missing)).progressTo(null, 0).run(tok));
        assertEquals(missing + ": input file or directory does not exist", e.getMessage());

        Path glob = tmp.resolve("*.jsonl.zst");
        e = assertThrows(NoSuchFileException.class, () -> new Preprocessor(options(glob)).progressTo(null, 0).run(tok));
        assertEquals(glob + ": input matches no .jsonl, .jsonl.zst or .txt files", e.getMessage());

        Path csv = write("data.csv", "a,b\n");
        IOException e2 = assertThrows(IOException.class,
                () -> new Preprocessor(options(csv)).progressTo(null, 0).run(tok));
        assertEquals("input " + csv + " is not a .jsonl, .jsonl.zst or .txt file", e2.getMessage());
    }

    @Test
    void optionsAreValidated() {
        Path model = PreprocessorTest.MODEL;
        Path out = tmp.resolve("o");
        assertEquals("--input: at least one input file, directory or glob is required",
                assertThrows(IllegalArgumentException.class, () -> PreprocessOptions.of(List.of(), model, out))
                        .getMessage());
        assertEquals("--workers must be between 1 and 256, got 0", assertThrows(IllegalArgumentException.class,
                () -> PreprocessOptions.of(List.of("x"), model, out).withWorkers(0)).getMessage());
        assertEquals("--json-key must not be empty", assertThrows(IllegalArgumentException.class,
                () -> PreprocessOptions.of(List.of("x"), model, out).withJsonKey(" ")).getMessage());
        assertEquals("--max-tokens must not be negative, got -1", assertThrows(IllegalArgumentException.class,
                () -> PreprocessOptions.of(List.of("x"), model, out).withMaxTokens(-1)).getMessage());
        Path noModel = tmp.resolve("missing.model");
        assertEquals("--tokenizer " + noModel + " does not exist or is not a file",
                assertThrows(IllegalArgumentException.class, () -> PreprocessOptions.of(List.of("x"), noModel, out))
                        .getMessage());
        assertEquals("--tokenizer is required", assertThrows(IllegalArgumentException.class,
                () -> PreprocessOptions.of(List.of("x"), null, out)).getMessage());
        assertEquals("--output-prefix is required", assertThrows(IllegalArgumentException.class,
                () -> PreprocessOptions.of(List.of("x"), model, null)).getMessage());
        Path deep = tmp.resolve("no/such/dir/prefix");
        assertEquals("--output-prefix " + deep + ": directory " + deep.getParent() + " does not exist",
                assertThrows(IllegalArgumentException.class, () -> PreprocessOptions.of(List.of("x"), model, deep))
                        .getMessage());
    }

    @Test
    void bosRequestedFromATokenizerWithoutOne() throws IOException {
        Path f = write("a.jsonl", "{\"text\": \"a\"}\n");
        org.llemma4j.data.tokenizer.Tokenizer noBos = new org.llemma4j.data.tokenizer.Tokenizer() {
            @Override public int[] encode(String text) {
                return new int[] {7};
            }
            @Override public String decode(int[] ids) {
                return "";
            }
            @Override public int vocabSize() {
                return 100;
            }
            @Override public int eodId() {
                return 0;
            }
            @Override public int bosId() {
                return -1;
            }
            @Override public void close() {
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor(options(f).withSpecialTokens(true, true)).progressTo(null, 0).run(noBos));
        assertEquals("--bos: the tokenizer " + PreprocessorTest.MODEL + " has no BOS token", e.getMessage());
    }

    @Test
    void failureKeepsAPreviousOutput() throws Exception {
        Path good = write("good.jsonl", "{\"text\": \"kept\"}\n");
        new Preprocessor(options(good)).progressTo(null, 0).run(tok);
        byte[] before = Files.readAllBytes(tmp.resolve("out_text_document.bin"));
        Path bad = write("bad.jsonl", "{\"text\": \"new\"}\n{\n");
        assertThrows(InvalidDataException.class, () -> new Preprocessor(options(bad)).progressTo(null, 0).run(tok));
        org.junit.jupiter.api.Assertions.assertArrayEquals(before,
                Files.readAllBytes(tmp.resolve("out_text_document.bin")));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count());
        }
    }
}
