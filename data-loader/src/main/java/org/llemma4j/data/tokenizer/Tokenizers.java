package org.llemma4j.data.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Chooses the implementation from the file name, as {@code launch preprocess --tokenizer} needs. */
public final class Tokenizers {

    private Tokenizers() {
    }

    /** {@code *.model} opens a SentencePiece model, {@code *.json} a Hugging Face {@code tokenizer.json}. */
    public static Tokenizer open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file does not exist");
        }
        String name = file.getFileName().toString();
        if (name.endsWith(".model")) {
            return SentencePieceTokenizer.open(file);
        }
        if (name.endsWith(".json")) {
            return HuggingFaceTokenizer.open(file);
        }
        throw new IllegalArgumentException("cannot tell the tokenizer type of " + file
                + ": expected a SentencePiece '.model' or a Hugging Face '.json' file");
    }
}
