package org.llemma4j.data.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.llemma4j.data.InvalidDataException;

/**
 * A SentencePiece {@code tokenizer.model} (Meta's Llama tokenizer), encoded and decoded in Java: {@link
 * SentencePieceBpe} reproduces SentencePiece's BPE id for id (dummy "▁" prefix, byte fallback, emoji included),
 * and the decoder below its detokenization. Nothing native is loaded, so opening one costs only reading the file.
 *
 * <p>Text containing an unpaired UTF-16 surrogate is encoded as if it were {@code '?'}, Java's substitution when
 * such text is converted to UTF-8.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private final Path file;
    private final SentencePieceModel model;
    private final SentencePieceBpe encoder;
    private final int eod;
    private final int bos;
    private final int unk;

    private SentencePieceTokenizer(Path file, SentencePieceModel model) throws InvalidDataException {
        this.file = file;
        this.model = model;
        this.eod = model.id("</s>");
        this.bos = model.id("<s>");
        this.unk = model.firstOfType(SentencePieceModel.UNKNOWN);
        if (eod < 0) {
            throw new InvalidDataException(file + " has no '</s>' piece to use as the end-of-document id");
        }
        this.encoder = new SentencePieceBpe(model, file.toString());
    }

    public static SentencePieceTokenizer open(Path file) throws IOException {
        return new SentencePieceTokenizer(file, SentencePieceModel.read(file));
    }

    @Override
    public int[] encode(String text) {
        return encoder.encode(text);
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        ByteArrayOutputStream pendingBytes = new ByteArrayOutputStream();
        boolean first = true;
        for (int id : ids) {
            if (id < 0 || id >= model.size()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + file
                        + " (" + model.size() + " pieces)");
            }
            int type = model.types[id];
            if (type == SentencePieceModel.CONTROL) {
                continue;
            }
            if (model.byteValue[id] >= 0) {
                pendingBytes.write(model.byteValue[id]);
                first = false;
                continue;
            }
            flushBytes(pendingBytes, sb);
            String piece = type == SentencePieceModel.UNKNOWN ? " \u2047 " : model.pieces[id];
            if (first && model.addDummyPrefix && piece.startsWith("\u2581")) {
                piece = piece.substring(1);
            }
            first = false;
            sb.append(piece.replace('\u2581', ' '));
        }
        flushBytes(pendingBytes, sb);
        return sb.toString();
    }

    /** Byte pieces form UTF-8 together; invalid sequences become U+FFFD, as in SentencePiece. */
    private static void flushBytes(ByteArrayOutputStream bytes, StringBuilder sb) {
        if (bytes.size() > 0) {
            sb.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
            bytes.reset();
        }
    }

    /** The piece text of {@code id}, e.g. {@code "▁Hello"} or {@code "<0x0A>"}. */
    public String piece(int id) {
        return model.pieces[id];
    }

    @Override
    public int vocabSize() {
        return model.size();
    }

    @Override
    public int eodId() {
        return eod;
    }

    @Override
    public int bosId() {
        return bos;
    }

    /** The id of {@code <unk>}, or -1. */
    public int unkId() {
        return unk;
    }

    /** Nothing to release: the model lives on the Java heap. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "SentencePieceTokenizer[" + file + ", " + vocabSize() + " pieces]";
    }
}
