package org.llemma4j.data.tokenizer;

import ai.djl.sentencepiece.SpProcessor;
import ai.djl.sentencepiece.SpTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.llemma4j.data.InvalidDataException;

/**
 * A SentencePiece {@code tokenizer.model} (Meta's Llama tokenizer) encoded by DJL's native SentencePiece, which
 * reproduces the Hugging Face Llama tokenizer id for id (dummy "▁" prefix, byte fallback, emoji included).
 *
 * <p>Long texts are encoded in chunks cut before a {@code '\n'}, because SentencePiece's BPE costs more per token
 * on long inputs (measured on proof-pile-2-mini: about 25% less CPU per token with 2K-character chunks). This is
 * exact, not an approximation, when no piece contains {@code '\n'} (Llama encodes it as the byte piece
 * {@code <0x0A>}) and the normalizer is the identity: then no merge can cross a newline, and the pieces on each
 * side are decided independently. A chunk after the first starts with its newline; encoding it alone yields the
 * dummy-prefix {@code "▁"} first, which the whole-text encoding would not have there, so that one id is dropped.
 * The conditions are checked when the model is loaded; otherwise texts are encoded whole.
 *
 * <p>Decoding is done here in Java from the model's pieces instead of by DJL: DJL returns the decoded text through
 * JNI {@code NewStringUTF}, which expects modified UTF-8, so a decoded U+0000 truncates the text and characters
 * outside the Basic Multilingual Plane (emoji) come back as mojibake. Text containing an unpaired UTF-16
 * surrogate is encoded as if it were {@code '?'}, Java's substitution when such text is converted to UTF-8.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private final Path file;
    private final SentencePieceModel model;
    private final SpTokenizer native_;
    private final SpProcessor processor;
    private final int eod;
    private final int bos;
    private final int unk;
    private final int spaceId;
    /** Characters per chunk before the next newline, or 0 when this model must be encoded whole. */
    private final int chunkChars;

    /** Chunk length where the speed-up levels off (1K-4K characters measured alike). */
    static final int DEFAULT_CHUNK_CHARS = 2048;

    private SentencePieceTokenizer(Path file, SentencePieceModel model, int chunkChars) throws InvalidDataException {
        this.file = file;
        this.model = model;
        this.eod = model.id("</s>");
        this.bos = model.id("<s>");
        this.unk = model.firstOfType(SentencePieceModel.UNKNOWN);
        this.spaceId = model.id("\u2581");
        // Checked before the native model is created, so a rejected file allocates nothing.
        if (eod < 0) {
            throw new InvalidDataException(file + " has no '</s>' piece to use as the end-of-document id");
        }
        this.native_ = new SpTokenizer(model.bytes);
        this.processor = native_.getProcessor();
        this.chunkChars = newlineSplitIsExact() ? chunkChars : 0;
    }

    public static SentencePieceTokenizer open(Path file) throws IOException {
        return open(file, DEFAULT_CHUNK_CHARS);
    }

    /** With {@code chunkChars} = 0 texts are always encoded whole; tests use tiny chunks to split at every line. */
    static SentencePieceTokenizer open(Path file, int chunkChars) throws IOException {
        return new SentencePieceTokenizer(file, SentencePieceModel.read(file), chunkChars);
    }

    private boolean newlineSplitIsExact() {
        return "identity".equals(model.normalizerName) && !model.removeExtraWhitespaces && model.addDummyPrefix
                && spaceId >= 0 && !model.anyPieceContains('\n')
                && Arrays.equals(processor.encode("\n"), new int[] {spaceId, model.id("<0x0A>")});
    }

    /** Whether long texts are encoded in newline-separated chunks (see the class comment). */
    public boolean encodesInChunks() {
        return chunkChars > 0;
    }

    @Override
    public int[] encode(String text) {
        if (chunkChars == 0 || text.length() <= chunkChars) {
            return processor.encode(text);
        }
        int[] out = new int[text.length() / 3 + 16];
        int n = 0;
        int start = 0;
        while (start < text.length()) {
            int end = start + chunkChars >= text.length() ? -1 : text.indexOf('\n', start + chunkChars);
            int[] ids = processor.encode(end < 0 ? text.substring(start) : text.substring(start, end));
            int from = 0;
            if (start > 0) {
                if (ids.length < 2 || ids[0] != spaceId) {
                    throw new IllegalStateException("SentencePiece did not start the chunk at character " + start
                            + " with the dummy prefix " + spaceId + ": " + Arrays.toString(Arrays.copyOf(ids,
                            Math.min(ids.length, 4))));
                }
                from = 1;
            }
            int count = ids.length - from;
            if (n + count > out.length) {
                out = Arrays.copyOf(out, Math.max(2 * out.length, n + count));
            }
            System.arraycopy(ids, from, out, n, count);
            n += count;
            if (end < 0) {
                break;
            }
            start = end;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
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

    @Override
    public void close() {
        native_.close();
    }

    @Override
    public String toString() {
        return "SentencePieceTokenizer[" + file + ", " + vocabSize() + " pieces]";
    }
}
