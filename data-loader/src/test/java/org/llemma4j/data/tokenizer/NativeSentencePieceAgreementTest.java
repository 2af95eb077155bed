package org.llemma4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.sentencepiece.SpProcessor;
import ai.djl.sentencepiece.SpTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.llemma4j.data.Fixtures;

/**
 * The Java BPE encoder against SentencePiece's own C++ library (through DJL's binding, a test-only dependency):
 * the same ids for every document of the mini Proof-Pile-2 (2.8M tokens of LaTeX, Q&amp;A and proof-assistant
 * code), the 46 reference strings and texts made to stress the word cuts and the per-thread word cache.
 */
class NativeSentencePieceAgreementTest {

    static final Path MODEL = Fixtures.resolve("tokenizers/llama2-spm/tokenizer.model");

    static List<String> corpusTexts() throws Exception {
        List<String> texts = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        List<Path> files;
        try (Stream<Path> s = Files.walk(Fixtures.resolve("proof-pile-2-mini"))) {
            files = s.filter(p -> p.toString().endsWith(".jsonl.zst")).sorted().toList();
        }
        for (Path p : files) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(
                    new ZstdInputStream(Files.newInputStream(p)), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!line.isBlank()) {
                        texts.add(mapper.readTree(line).get("text").asText());
                    }
                }
            }
        }
        return texts;
    }

    static List<String> stressTexts() {
        return List.of("\n\nstarts with newlines\n \n\t\nand ends with them\n\n",
                "trailing spaces  \n  leading spaces\r\nwindows line\u00a0end\n\uD83E\uDD99\nemoji line",
                " ", "  ", "\u2581", "\u2581\u2581 x", "a\u0000b", "x\uD800", "\uDC00y", "\uD83E\uDD99\uD83E\uDD99",
                "-".repeat(5000), " ".repeat(3000), "=".repeat(777) + "x", "1234567890".repeat(100),
                "ab".repeat(20_000), "\u00e9\u00e8\u00ea\u00eb\u4e2d\u6587\u0416\u0436\u05d0\u0627",
                "<s> </s> <unk> <0x0A>", "\t\tindented\tcode();\n\t}\n",
                "supercalifragilisticexpialidocious".repeat(3));
    }

    @Test
    void sameIdsAsNativeSentencePieceOnTheCorpusAndEdgeCases() throws Exception {
        List<String> texts = new ArrayList<>(corpusTexts());
        int documents = texts.size();
        texts.addAll(SentencePieceTokenizerTest.referenceStrings());
        texts.addAll(stressTexts());
        // A cache of 16 words starts over many times per document: results must not depend on what it holds.
        SentencePieceBpe tinyCache = new SentencePieceBpe(SentencePieceModel.read(MODEL), MODEL.toString(), 16);
        long tokens = 0;
        try (SentencePieceTokenizer ours = SentencePieceTokenizer.open(MODEL);
                SpTokenizer reference = new SpTokenizer(Files.readAllBytes(MODEL))) {
            SpProcessor sp = reference.getProcessor();
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i);
                int[] expected = sp.encode(t);
                tokens += expected.length;
                String what = i < documents ? "document " + i : "text " + i + " '" + abbreviate(t) + "'";
                assertArrayEquals(expected, ours.encode(t), what);
                assertArrayEquals(expected, tinyCache.encode(t), what + ", tiny cache");
            }
        }
        assertEquals(1201, documents, "the whole mini Proof-Pile-2");
        assertTrue(tokens > 2_800_000, tokens + " tokens compared");
    }

    private static String abbreviate(String t) {
        return t.length() <= 40 ? t : t.substring(0, 40) + "...";
    }
}
