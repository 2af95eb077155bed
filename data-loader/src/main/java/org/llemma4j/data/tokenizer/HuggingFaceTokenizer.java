package org.llemma4j.data.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.llemma4j.data.InvalidDataException;

/**
 * A Hugging Face {@code tokenizer.json} encoded by DJL's binding of the Rust {@code tokenizers} library. Special
 * tokens are never added by {@link #encode}; the vocabulary size and special ids are read from the JSON, because
 * the binding does not expose them.
 */
public final class HuggingFaceTokenizer implements Tokenizer {

    private final Path file;
    private final ai.djl.huggingface.tokenizers.HuggingFaceTokenizer delegate;
    private final int vocabSize;
    private final int eod;
    private final int bos;

    private HuggingFaceTokenizer(Path file, ai.djl.huggingface.tokenizers.HuggingFaceTokenizer delegate,
            int vocabSize, int eod, int bos) {
        this.file = file;
        this.delegate = delegate;
        this.vocabSize = vocabSize;
        this.eod = eod;
        this.bos = bos;
    }

    public static HuggingFaceTokenizer open(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidDataException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject()) {
            throw new InvalidDataException(file + " has no 'model.vocab' object; only tokenizer.json files with a"
                    + " token-to-id vocabulary (BPE, WordPiece, WordLevel) are supported");
        }
        int max = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext();) {
            max = Math.max(max, it.next().getValue().asInt());
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asInt());
        }
        int eod = idOf(root, "</s>");
        if (eod < 0) {
            eod = idOf(root, "<|endoftext|>");
        }
        if (eod < 0) {
            throw new InvalidDataException(file + " has neither '</s>' nor '<|endoftext|>' to use as the"
                    + " end-of-document id");
        }
        int bos = idOf(root, "<s>");
        // No truncation or padding: preprocessing needs every token of a document.
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false",
                "padding", "false");
        return new HuggingFaceTokenizer(file,
                ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(file, options), max + 1, eod, bos);
    }

    private static int idOf(JsonNode root, String token) {
        for (JsonNode added : root.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return added.path("id").asInt();
            }
        }
        JsonNode id = root.path("model").path("vocab").get(token);
        return id == null ? -1 : id.asInt();
    }

    @Override
    public int[] encode(String text) {
        Encoding enc = delegate.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + file
                        + " (" + vocabSize + " ids)");
            }
            wide[i] = ids[i];
        }
        return delegate.decode(wide, true);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eodId() {
        return eod;
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "HuggingFaceTokenizer[" + file + ", " + vocabSize + " ids]";
    }
}
