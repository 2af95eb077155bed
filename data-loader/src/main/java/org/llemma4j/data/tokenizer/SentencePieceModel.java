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
 * The parts of a SentencePiece {@code tokenizer.model} that DJL does not expose: the pieces and their types (for
 * the vocabulary size, the special ids and a Java decoder) and the normalizer's {@code add_dummy_prefix} flag.
 */
final class SentencePieceModel {

    /** SentencePiece's {@code ModelProto.SentencePiece.Type} values that decoding treats specially. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int BYTE = 6;

    final byte[] bytes;
    final String[] pieces;
    final int[] types;
    /** For a byte piece {@code <0xNN>}, the byte value NN; -1 for other pieces. */
    final int[] byteValue;
    final boolean addDummyPrefix;
    /** Normalizer name ({@code identity} for Llama) and its whitespace folding, which could move text across lines. */
    final String normalizerName;
    final boolean removeExtraWhitespaces;
    private final Map<String, Integer> ids;

    private SentencePieceModel(byte[] bytes, List<String> pieces, List<Integer> types, boolean addDummyPrefix,
            String normalizerName, boolean removeExtraWhitespaces) {
        this.bytes = bytes;
        this.normalizerName = normalizerName;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.pieces = pieces.toArray(new String[0]);
        this.types = types.stream().mapToInt(Integer::intValue).toArray();
        this.addDummyPrefix = addDummyPrefix;
        this.byteValue = new int[this.pieces.length];
        this.ids = new HashMap<>(this.pieces.length * 2);
        for (int i = 0; i < this.pieces.length; i++) {
            ids.putIfAbsent(this.pieces[i], i);
            String p = this.pieces[i];
            boolean isByte = this.types[i] == BYTE && p.length() == 6 && p.startsWith("<0x") && p.endsWith(">");
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

    /**
     * ModelProto: 1 = repeated SentencePiece {1 piece, 3 type}; 3 = NormalizerSpec {1 name, 3 add_dummy_prefix,
     * 4 remove_extra_whitespaces}.
     */
    private static SentencePieceModel parse(byte[] bytes, String what) {
        List<String> pieces = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        boolean addDummyPrefix = true;
        String normalizerName = "";
        boolean removeExtraWhitespaces = true;
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, what);
        while (r.hasMore()) {
            int tag = r.tag();
            if (tag == (1 << 3 | ProtoReader.LENGTH)) {
                ProtoReader p = r.message();
                String piece = "";
                int type = NORMAL;
                while (p.hasMore()) {
                    int t = p.tag();
                    if (t == (1 << 3 | ProtoReader.LENGTH)) {
                        piece = p.string();
                    } else if (t == (3 << 3 | ProtoReader.VARINT)) {
                        type = (int) p.varint();
                    } else {
                        p.skip(t & 7);
                    }
                }
                pieces.add(piece);
                types.add(type);
            } else if (tag == (3 << 3 | ProtoReader.LENGTH)) {
                ProtoReader n = r.message();
                while (n.hasMore()) {
                    int t = n.tag();
                    if (t == (1 << 3 | ProtoReader.LENGTH)) {
                        normalizerName = n.string();
                    } else if (t == (3 << 3 | ProtoReader.VARINT)) {
                        addDummyPrefix = n.varint() != 0;
                    } else if (t == (4 << 3 | ProtoReader.VARINT)) {
                        removeExtraWhitespaces = n.varint() != 0;
                    } else {
                        n.skip(t & 7);
                    }
                }
            } else {
                r.skip(tag & 7);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException(what + " is not a valid SentencePiece model: it has no pieces");
        }
        return new SentencePieceModel(bytes, pieces, types, addDummyPrefix, normalizerName, removeExtraWhitespaces);
    }

    int size() {
        return pieces.length;
    }

    /** Id of {@code piece}, or -1. */
    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    /** Whether any piece contains {@code c}; a character no piece contains can never merge with its neighbours. */
    boolean anyPieceContains(char c) {
        for (String p : pieces) {
            if (p.indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
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
}
