package org.llemma4j.data.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.llemma4j.data.InvalidDataException;

/**
 * What a SentencePiece {@code tokenizer.model} says about encoding and decoding: the pieces with their scores and
 * types, the model type and byte fallback of its trainer spec, and its normalizer spec.
 */
final class SentencePieceModel {

    /** SentencePiece's {@code ModelProto.SentencePiece.Type} values. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    /** {@code TrainerSpec.ModelType} of a BPE model (the default, 1, is unigram). */
    static final int MODEL_TYPE_BPE = 2;

    final String[] pieces;
    final float[] scores;
    final int[] types;
    /** For a byte piece {@code <0xNN>}, the byte value NN; -1 for other pieces. */
    final int[] byteValue;
    final int modelType;
    final boolean byteFallback;
    final boolean treatWhitespaceAsSuffix;
    final boolean addDummyPrefix;
    /** Normalizer name ({@code identity} for Llama) and the size of its character map (0 for the identity). */
    final String normalizerName;
    final int precompiledCharsmapBytes;
    final boolean removeExtraWhitespaces;
    final boolean escapeWhitespaces;
    private final Map<String, Integer> ids;

    private SentencePieceModel(Builder b) {
        this.pieces = b.pieces.toArray(new String[0]);
        this.types = b.types.stream().mapToInt(Integer::intValue).toArray();
        this.scores = new float[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            scores[i] = b.scores.get(i);
        }
        this.modelType = b.modelType;
        this.byteFallback = b.byteFallback;
        this.treatWhitespaceAsSuffix = b.treatWhitespaceAsSuffix;
        this.addDummyPrefix = b.addDummyPrefix;
        this.normalizerName = b.normalizerName;
        this.precompiledCharsmapBytes = b.precompiledCharsmapBytes;
        this.removeExtraWhitespaces = b.removeExtraWhitespaces;
        this.escapeWhitespaces = b.escapeWhitespaces;
        this.byteValue = new int[pieces.length];
        this.ids = new HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) {
            ids.putIfAbsent(pieces[i], i);
            String p = pieces[i];
            boolean isByte = types[i] == BYTE && p.length() == 6 && p.startsWith("<0x") && p.endsWith(">");
            byteValue[i] = isByte ? Integer.parseInt(p.substring(3, 5), 16) : -1;
        }
    }

    static SentencePieceModel read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(bytes, file.toString());
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(e.getMessage(), e);
        }
    }

    /** The defaults of SentencePiece's proto, overwritten by the fields the file has. */
    private static final class Builder {
        final List<String> pieces = new ArrayList<>();
        final List<Float> scores = new ArrayList<>();
        final List<Integer> types = new ArrayList<>();
        int modelType = 1;
        boolean byteFallback;
        boolean treatWhitespaceAsSuffix;
        boolean addDummyPrefix = true;
        String normalizerName = "";
        int precompiledCharsmapBytes;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
    }

    /**
     * ModelProto: 1 = repeated SentencePiece {1 piece, 2 score, 3 type}; 2 = TrainerSpec {3 model_type,
     * 24 treat_whitespace_as_suffix, 35 byte_fallback}; 3 = NormalizerSpec {1 name, 2 precompiled_charsmap,
     * 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces}.
     */
    private static SentencePieceModel parse(byte[] bytes, String what) {
        Builder b = new Builder();
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, what);
        while (r.hasMore()) {
            int tag = r.tag();
            if (tag == (1 << 3 | ProtoReader.LENGTH)) {
                readPiece(r.message(), b);
            } else if (tag == (2 << 3 | ProtoReader.LENGTH)) {
                readTrainerSpec(r.message(), b);
            } else if (tag == (3 << 3 | ProtoReader.LENGTH)) {
                readNormalizerSpec(r.message(), b);
            } else {
                r.skip(tag & 7);
            }
        }
        if (b.pieces.isEmpty()) {
            throw new IllegalArgumentException(what + " is not a valid SentencePiece model: it has no pieces");
        }
        return new SentencePieceModel(b);
    }

    private static void readPiece(ProtoReader p, Builder b) {
        String piece = "";
        float score = 0;
        int type = NORMAL;
        while (p.hasMore()) {
            int t = p.tag();
            if (t == (1 << 3 | ProtoReader.LENGTH)) {
                piece = p.string();
            } else if (t == (2 << 3 | ProtoReader.FIXED32)) {
                score = p.fixed32Float();
            } else if (t == (3 << 3 | ProtoReader.VARINT)) {
                type = (int) p.varint();
            } else {
                p.skip(t & 7);
            }
        }
        b.pieces.add(piece);
        b.scores.add(score);
        b.types.add(type);
    }

    private static void readTrainerSpec(ProtoReader t, Builder b) {
        while (t.hasMore()) {
            int tag = t.tag();
            if (tag == (3 << 3 | ProtoReader.VARINT)) {
                b.modelType = (int) t.varint();
            } else if (tag == (24 << 3 | ProtoReader.VARINT)) {
                b.treatWhitespaceAsSuffix = t.varint() != 0;
            } else if (tag == (35 << 3 | ProtoReader.VARINT)) {
                b.byteFallback = t.varint() != 0;
            } else {
                t.skip(tag & 7);
            }
        }
    }

    private static void readNormalizerSpec(ProtoReader n, Builder b) {
        while (n.hasMore()) {
            int tag = n.tag();
            if (tag == (1 << 3 | ProtoReader.LENGTH)) {
                b.normalizerName = n.string();
            } else if (tag == (2 << 3 | ProtoReader.LENGTH)) {
                b.precompiledCharsmapBytes = n.skipBytes();
            } else if (tag == (3 << 3 | ProtoReader.VARINT)) {
                b.addDummyPrefix = n.varint() != 0;
            } else if (tag == (4 << 3 | ProtoReader.VARINT)) {
                b.removeExtraWhitespaces = n.varint() != 0;
            } else if (tag == (5 << 3 | ProtoReader.VARINT)) {
                b.escapeWhitespaces = n.varint() != 0;
            } else {
                n.skip(tag & 7);
            }
        }
    }

    int size() {
        return pieces.length;
    }

    /** Id of {@code piece}, or -1. */
    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    /**
     * Whether BPE may produce piece {@code id} by merging: SentencePiece keeps normal, user-defined and unused
     * pieces in one table that merges look up, the others (unknown, control, byte) apart.
     */
    boolean isMergeable(int id) {
        int type = types[id];
        return type == NORMAL || type == USER_DEFINED || type == UNUSED;
    }

    /** The first piece of the given type, or -1 (used for {@code <unk>}). */
    int firstOfType(int type) {
        for (int i = 0; i < types.length; i++) {
            if (types[i] == type) {
                return i;
            }
        }
        return -1;
    }

    /** How many pieces have the given type. */
    int countOfType(int type) {
        int n = 0;
        for (int t : types) {
            if (t == type) {
                n++;
            }
        }
        return n;
    }
}
