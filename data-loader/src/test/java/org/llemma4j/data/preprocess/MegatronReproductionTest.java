package org.llemma4j.data.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.Fixtures;
import org.llemma4j.data.indexed.IndexedDataset;

/**
 * End-to-end oracle: preprocessing the ag-news fixture's source JSON with its GPT-2 BPE (vocab.json + merges.txt,
 * turned into a Hugging Face tokenizer.json) and EOD appended reproduces Megatron-DeepSpeed's .bin and .idx byte
 * for byte.
 */
class MegatronReproductionTest {

    static final Path DIR = Fixtures.resolve("megatron/ag-news-uint16");

    @TempDir
    Path tmp;

    /** GPT-2's byte-level BPE in tokenizer.json form; "<|endoftext|>" stays an ordinary vocabulary entry. */
    private Path gpt2TokenizerJson() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode byteLevel = mapper.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = mapper.createObjectNode().put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", false).put("byte_fallback", false);
        model.set("vocab", mapper.readTree(DIR.resolve("gpt2-tiny-vocab.json").toFile()));
        ArrayNode merges = model.putArray("merges");
        for (String line : Files.readAllLines(DIR.resolve("gpt2-tiny-merges.txt"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("#version") && !line.isBlank()) {
                merges.add(line);
            }
        }
        ObjectNode root = mapper.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel);
        root.putNull("post_processor");
        root.set("decoder", byteLevel);
        root.set("model", model);
        Path out = tmp.resolve("gpt2-tiny.json");
        mapper.writeValue(out.toFile(), root);
        return out;
    }

    @Test
    void reproducesMegatronDeepSpeedPreprocessing() throws Exception {
        PreprocessOptions o = new PreprocessOptions(List.of(DIR.resolve("ag_news_classify_question_first.json")
                .toString()), "text", gpt2TokenizerJson(), tmp.resolve("ag_news_prompt"), true, false, 2, false, 0);
        PreprocessResult r = new Preprocessor(o).progressTo(null, 0).run();
        assertEquals(100, r.documents());
        Path expected = DIR.resolve("ag_news_prompt_text_document");
        assertArrayEquals(Files.readAllBytes(IndexedDataset.binPath(expected)),
                Files.readAllBytes(IndexedDataset.binPath(r.datasetPrefix())), ".bin");
        assertArrayEquals(Files.readAllBytes(IndexedDataset.idxPath(expected)),
                Files.readAllBytes(IndexedDataset.idxPath(r.datasetPrefix())), ".idx");
    }

    @Test
    void decodesBackToTheSourceTexts() throws Exception {
        try (org.llemma4j.data.tokenizer.Tokenizer tok =
                        org.llemma4j.data.tokenizer.Tokenizers.open(gpt2TokenizerJson());
                IndexedDataset ds = IndexedDataset.open(DIR.resolve("ag_news_prompt_text_document"))) {
            assertEquals(4999, tok.eodId());
            assertEquals(5000, tok.vocabSize());
            List<String> lines = Files.readAllLines(DIR.resolve("ag_news_classify_question_first.json"));
            ObjectMapper mapper = new ObjectMapper();
            for (int i = 0; i < lines.size(); i++) {
                JsonNode doc = mapper.readTree(lines.get(i));
                int[] seq = ds.readSequence(i);
                assertEquals(doc.get("text").asText(), tok.decode(java.util.Arrays.copyOf(seq, seq.length - 1)),
                        "document " + i);
            }
        }
    }
}
