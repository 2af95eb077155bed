package org.llemma4j.data.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import org.llemma4j.data.indexed.DType;
import org.llemma4j.data.indexed.IndexedDataset;
import org.llemma4j.data.tokenizer.SentencePieceTokenizer;

class PreprocessorTest {

    static final Path CORPUS = Fixtures.resolve("proof-pile-2-mini");
    static final Path MODEL = Fixtures.resolve("tokenizers/llama2-spm/tokenizer.model");
    static SentencePieceTokenizer tok;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() throws Exception {
        tok = SentencePieceTokenizer.open(MODEL);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static List<Path> validationFiles() {
        return List.of(CORPUS.resolve("arxiv/validation/arxiv-0000.jsonl.zst"),
                CORPUS.resolve("open-web-math/validation/open-web-math-0000.jsonl.zst"),
                CORPUS.resolve("algebraic-stack/validation/algebraic-stack-0000.jsonl.zst"));
    }

    private PreprocessOptions options(List<?> inputs, String name) {
        return PreprocessOptions.of(inputs.stream().map(Object::toString).toList(), MODEL, tmp.resolve(name));
    }

    @Test
    void decodingTheOutputGivesBackEveryDocument() throws Exception {
        List<JsonNode> expected = new ArrayList<>();
        for (Path f : validationFiles()) {
            expected.addAll(ProofPileReader.read(f));
        }
        PreprocessResult r = new Preprocessor(options(validationFiles(), "val").withWorkers(2))
                .progressTo(null, 0).run(tok);
        assertEquals(tmp.resolve("val_text_document"), r.datasetPrefix());
        assertEquals(expected.size(), r.documents());
        assertEquals(3, r.files());
        try (IndexedDataset ds = IndexedDataset.open(r.datasetPrefix())) {
            assertEquals(DType.UINT16, ds.dtype());
            assertEquals(expected.size(), ds.documentCount());
            assertEquals(r.tokens(), ds.tokenCount());
            for (int d = 0; d < expected.size(); d++) {
                int[] seq = ds.readSequence(d);
                assertEquals(2, seq[seq.length - 1], "EOD closes document " + d);
                String text = expected.get(d).get("text").asText();
                assertEquals(text, tok.decode(Arrays.copyOf(seq, seq.length - 1)), "document " + d);
                assertArrayEquals(tok.encode(text), Arrays.copyOf(seq, seq.length - 1), "document " + d);
            }
        }
    }

    @Test
    void huggingFaceTokenizerThroughThePipeline() throws Exception {
        Path json = Fixtures.resolve("tokenizers/mistral-hf/tokenizer.json");
        Path f = CORPUS.resolve("open-web-math/validation/open-web-math-0000.jsonl.zst");
        List<JsonNode> expected = ProofPileReader.read(f);
        PreprocessOptions o = new PreprocessOptions(List.of(f.toString()), "text", json, tmp.resolve("hf"), true,
                false, 2, false, 0);
        PreprocessResult r = new Preprocessor(o).progressTo(null, 0).run();
        try (IndexedDataset ds = IndexedDataset.open(r.datasetPrefix());
                org.llemma4j.data.tokenizer.Tokenizer hf = org.llemma4j.data.tokenizer.Tokenizers.open(json)) {
            assertEquals(DType.UINT16, ds.dtype());
            assertEquals(expected.size(), ds.documentCount());
            for (int d = 0; d < expected.size(); d++) {
                int[] seq = ds.readSequence(d);
                assertEquals(2, seq[seq.length - 1]);
                assertEquals(expected.get(d).get("text").asText(), hf.decode(Arrays.copyOf(seq, seq.length - 1)),
                        "document " + d);
            }
        }
    }

    @Test
    void outputIsIdenticalForAnyWorkerCount() throws Exception {
        List<Path> in = List.of(CORPUS.resolve("open-web-math/train/open-web-math-0000.jsonl.zst"));
        new Preprocessor(options(in, "one")).progressTo(null, 0).run(tok);
        new Preprocessor(options(in, "three").withWorkers(3)).progressTo(null, 0).run(tok);
        for (String ext : List.of(".bin", ".idx")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("one_text_document" + ext)),
                    Files.readAllBytes(tmp.resolve("three_text_document" + ext)), ext);
        }
    }

    @Test
    void maxTokensKeepsWholeDocuments() throws Exception {
        List<Path> in = List.of(CORPUS.resolve("open-web-math/train/open-web-math-0000.jsonl.zst"));
        List<Integer> lengths = new ArrayList<>();
        PreprocessResult r = new Preprocessor(options(in, "cut").withWorkers(2).withMaxTokens(20_000))
                .progressTo(null, 0).listener((file, line, record, tokens) -> lengths.add(tokens)).run(tok);
        assertTrue(r.tokens() >= 20_000, "reached the limit: " + r.tokens());
        assertTrue(r.tokens() - lengths.get(lengths.size() - 1) < 20_000, "stopped at the first document past it");
        assertEquals(lengths.size(), r.documents());
        try (IndexedDataset ds = IndexedDataset.open(r.datasetPrefix())) {
            assertEquals(r.tokens(), ds.tokenCount());
            assertEquals(lengths.size(), ds.documentCount());
        }
    }

    @Test
    void listenerSeesEveryRecordInOrder() throws Exception {
        Path f = CORPUS.resolve("algebraic-stack/validation/algebraic-stack-0000.jsonl.zst");
        List<JsonNode> expected = ProofPileReader.read(f);
        List<String> records = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        new Preprocessor(options(List.of(f), "listen").withWorkers(2)).progressTo(null, 0)
                .listener((file, line, record, tokens) -> {
                    records.add(record);
                    lines.add(line);
                }).run(tok);
        assertEquals(expected.size(), records.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).get("meta").get("path").asText(),
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(records.get(i)).get("meta")
                            .get("path").asText());
            assertEquals(i + 1, lines.get(i));
        }
    }

    @Test
    void bosAndNoEod() throws Exception {
        Path f = tmp.resolve("two.jsonl");
        Files.writeString(f, "{\"text\": \"Hello world\"}\n\n{\"text\": \"\"}\n");
        PreprocessResult r = new Preprocessor(options(List.of(f), "bos").withSpecialTokens(false, true))
                .progressTo(null, 0).run(tok);
        try (IndexedDataset ds = IndexedDataset.open(r.datasetPrefix())) {
            assertArrayEquals(new int[] {1, 15043, 3186}, ds.readSequence(0));
            assertArrayEquals(new int[] {1}, ds.readSequence(1));
        }
    }

    @Test
    void textFilesDirectoriesAndGlobs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("in/sub"));
        Files.writeString(tmp.resolve("in/b.txt"), "Second\nfile");
        Files.writeString(dir.resolve("a.jsonl"), "{\"content\": \"third\", \"text\": 1}\n");
        Files.writeString(tmp.resolve("in/a.txt"), "First");
        Files.writeString(tmp.resolve("in/ignored.md"), "not an input");
        assertEquals(List.of(tmp.resolve("in/a.txt"), tmp.resolve("in/b.txt"), dir.resolve("a.jsonl")),
                InputFiles.expand(List.of(tmp.resolve("in").toString())));
        assertEquals(List.of(tmp.resolve("in/a.txt"), tmp.resolve("in/b.txt")),
                InputFiles.expand(List.of(tmp.resolve("in") + "/*.txt")));
        assertEquals(List.of(dir.resolve("a.jsonl"), tmp.resolve("in/a.txt")),
                InputFiles.expand(List.of(tmp.resolve("in") + "/**/*.jsonl", tmp.resolve("in/a.txt").toString())));

        PreprocessResult r = new Preprocessor(options(List.of(tmp.resolve("in/*.txt"), dir), "mixed")
                .withJsonKey("content")).progressTo(null, 0).run(tok);
        assertEquals(tmp.resolve("mixed_content_document"), r.datasetPrefix());
        try (IndexedDataset ds = IndexedDataset.open(r.datasetPrefix())) {
            assertEquals(3, ds.documentCount());
            assertEquals("First", tok.decode(ds.readSequence(0)));
            assertEquals("Second\nfile", tok.decode(ds.readSequence(1)));
            assertEquals("third", tok.decode(ds.readSequence(2)));
        }
    }

    @Test
    void progressLineAndSummary() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        new Preprocessor(options(List.of(CORPUS.resolve("open-web-math/train/open-web-math-0000.jsonl.zst")), "p"))
                .progressTo(ps, 0).run(tok);
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines.length >= 2, Arrays.toString(lines));
        assertTrue(lines[0].matches("preprocess: [\\d,]+ docs, \\S+ tokens, [\\d.]+ MB \\| [\\d,]+ docs/s, \\S+"
                + " tokens/s, [\\d.]+ MB/s \\| \\d+% of input, ETA \\d+:\\d\\d:\\d\\d"), lines[0]);
        assertTrue(lines[lines.length - 1].startsWith("preprocess: wrote " + tmp.resolve("p_text_document")
                + ".{bin,idx} (uint16): 349 documents, "), lines[lines.length - 1]);
    }
}
