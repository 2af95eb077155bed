package org.llemma4j.data.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.llemma4j.data.InvalidDataException;

/**
 * SentencePiece's BPE encoding, as its {@code bpe_model.cc} defines it, for models made like Meta's Llama tokenizer
 * (BPE, the identity normalizer, byte fallback): the text, with a dummy {@code "▁"} prefix and every space made
 * {@code "▁"}, starts as one symbol per character; the adjacent pair whose concatenation is the piece with the
 * highest score (the leftmost among equals) is merged, again and again, until no adjacent pair forms a piece; a
 * symbol that is no piece becomes the byte pieces of its UTF-8 bytes.
 *
 * <p>Two exact shortcuts make it fast. A merge never joins two characters that are not next to each other in
 * some piece, so the text is cut there into words that are merged independently; and a word comes out the same
 * wherever it stands, so each thread keeps the ids of the short words it has seen.
 *
 * <p>Models that need more than this (another model type or normalizer, user-defined or unused pieces, no byte
 * fallback) are refused when loaded, naming what is missing.
 */
final class SentencePieceBpe {

    /** Words up to this many chars are cached; longer ones are rare and seldom repeat. */
    static final int MAX_CACHED_CHARS = 32;
    /**
     * Cached words per thread (a few MB); the cache starts over when full. The mini Proof-Pile-2 (8 MB of text)
     * has about 45K distinct words of up to {@link #MAX_CACHED_CHARS}.
     */
    static final int MAX_CACHED_WORDS = 1 << 16;

    private final boolean addDummyPrefix;
    /** Each piece's score as an int that orders as the float does (-0.0 as 0.0, since C++ compares them equal). */
    private final int[] orderedScores;
    /** Symbol id (a single-character piece) of each char of the Basic Multilingual Plane, or -1. */
    private final int[] bmpSymbols = new int[Character.MAX_VALUE + 1];
    private final Map<Integer, Integer> supplementarySymbols = new HashMap<>();
    /** (left piece, right piece) to the piece their concatenation is. */
    private final IntPairMap merges;
    /** Pairs of code points that stand next to each other in some piece: a cut anywhere else is exact. */
    private final IntPairMap adjacentInPieces;
    private final int[] byteIds = new int[256];
    private final int maxCachedWords;
    private final ThreadLocal<BpeWorkspace> workspace = ThreadLocal.withInitial(BpeWorkspace::new);

    SentencePieceBpe(SentencePieceModel model, String file) throws InvalidDataException {
        this(model, file, MAX_CACHED_WORDS);
    }

    /** With a tiny {@code maxCachedWords}, tests make the cache start over many times per text. */
    SentencePieceBpe(SentencePieceModel model, String file, int maxCachedWords) throws InvalidDataException {
        checkSupported(model, file);
        this.maxCachedWords = maxCachedWords;
        this.addDummyPrefix = model.addDummyPrefix;
        this.orderedScores = new int[model.size()];
        for (int id = 0; id < model.size(); id++) {
            int bits = Float.floatToIntBits(model.scores[id] + 0.0f);
            orderedScores[id] = bits ^ (bits >> 31 & 0x7FFFFFFF);
        }
        Arrays.fill(bmpSymbols, -1);
        int pairs = 0;
        for (int id = 0; id < model.size(); id++) {
            if (model.isMergeable(id)) {
                int n = model.pieces[id].codePointCount(0, model.pieces[id].length());
                pairs += n - 1;
                if (n == 1) {
                    int cp = model.pieces[id].codePointAt(0);
                    if (symbol(cp) < 0) {
                        setSymbol(cp, id);
                    }
                }
            }
        }
        this.merges = new IntPairMap(pairs);
        this.adjacentInPieces = new IntPairMap(pairs);
        for (int id = 0; id < model.size(); id++) {
            if (model.isMergeable(id)) {
                addPiece(model, id, file);
            }
        }
        int unk = model.firstOfType(SentencePieceModel.UNKNOWN);
        Arrays.fill(byteIds, unk);
        for (int id = 0; id < model.size(); id++) {
            if (model.byteValue[id] >= 0 && byteIds[model.byteValue[id]] == unk) {
                byteIds[model.byteValue[id]] = id;
            }
        }
    }

    private static void checkSupported(SentencePieceModel model, String file) throws InvalidDataException {
        List<String> missing = new ArrayList<>();
        if (model.modelType != SentencePieceModel.MODEL_TYPE_BPE) {
            missing.add("model_type " + model.modelType + " (only 2, BPE, is supported)");
        }
        if (!model.byteFallback) {
            missing.add("byte_fallback false");
        }
        if (model.treatWhitespaceAsSuffix) {
            missing.add("treat_whitespace_as_suffix true");
        }
        if (model.precompiledCharsmapBytes > 0) {
            missing.add("normalizer '" + model.normalizerName + "' with a " + model.precompiledCharsmapBytes
                    + "-byte character map (only the identity normalizer is supported)");
        }
        if (model.removeExtraWhitespaces) {
            missing.add("remove_extra_whitespaces true");
        }
        if (!model.escapeWhitespaces) {
            missing.add("escape_whitespaces false");
        }
        for (int type : new int[] {SentencePieceModel.USER_DEFINED, SentencePieceModel.UNUSED}) {
            int n = model.countOfType(type);
            if (n > 0) {
                missing.add(n + (type == SentencePieceModel.USER_DEFINED ? " user-defined" : " unused") + " pieces");
            }
        }
        if (model.firstOfType(SentencePieceModel.UNKNOWN) < 0) {
            missing.add("no <unk> piece");
        }
        if (!missing.isEmpty()) {
            throw new InvalidDataException(file + ": this SentencePiece model needs what the built-in BPE"
                    + " encoder (for Llama-style models) does not do: " + String.join(", ", missing));
        }
    }

    /** Records every way {@code id} splits into two pieces, and which characters it puts side by side. */
    private void addPiece(SentencePieceModel model, int id, String file) throws InvalidDataException {
        String piece = model.pieces[id];
        int previous = -1;
        for (int i = 0; i < piece.length(); ) {
            int cp = piece.codePointAt(i);
            if (symbol(cp) < 0) {
                throw new InvalidDataException(file + ": piece " + id + " '" + piece + "' contains U+"
                        + Integer.toHexString(cp).toUpperCase(Locale.ROOT) + ", which is not a piece of"
                        + " its own: BPE could never have built it");
            }
            if (previous >= 0) {
                adjacentInPieces.putIfAbsent(previous, cp, 1);
                int left = model.id(piece.substring(0, i));
                int right = model.id(piece.substring(i));
                if (left >= 0 && right >= 0 && model.isMergeable(left) && model.isMergeable(right)) {
                    merges.putIfAbsent(left, right, id);
                }
            }
            previous = cp;
            i += Character.charCount(cp);
        }
    }

    private int symbol(int cp) {
        if (cp <= Character.MAX_VALUE) {
            return bmpSymbols[cp];
        }
        Integer id = supplementarySymbols.get(cp);
        return id == null ? -1 : id;
    }

    private void setSymbol(int cp, int id) {
        if (cp <= Character.MAX_VALUE) {
            bmpSymbols[cp] = id;
        } else {
            supplementarySymbols.put(cp, id);
        }
    }

    /** The ids of {@code text}; thread-safe. */
    int[] encode(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        BpeWorkspace s = workspace.get();
        int n = s.normalize(text, addDummyPrefix);
        char[] t = s.text;
        s.outCount = 0;
        int wordStart = 0;
        int previous = Character.codePointAt(t, 0, n);
        for (int i = Character.charCount(previous); i < n; ) {
            int cp = Character.codePointAt(t, i, n);
            if (adjacentInPieces.get(previous, cp) < 0) {
                encodeWord(s, wordStart, i);
                wordStart = i;
            }
            previous = cp;
            i += Character.charCount(cp);
        }
        encodeWord(s, wordStart, n);
        return Arrays.copyOf(s.out, s.outCount);
    }

    private void encodeWord(BpeWorkspace s, int from, int to) {
        if (to - from > MAX_CACHED_CHARS) {
            merge(s, from, to);
            return;
        }
        String word = new String(s.text, from, to - from);
        int[] ids = s.cache.get(word);
        if (ids == null) {
            int before = s.outCount;
            merge(s, from, to);
            ids = Arrays.copyOfRange(s.out, before, s.outCount);
            if (s.cache.size() >= maxCachedWords) {
                s.cache.clear();
            }
            s.cache.put(word, ids);
            return;
        }
        s.append(ids);
    }

    /** BPE over {@code text[from, to)}, appending the ids to the output: bpe_model.cc's loop, on int arrays. */
    private void merge(BpeWorkspace s, int from, int to) {
        s.ensureSymbols(to - from);
        int n = 0;
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(s.text, i, to);
            int count = Character.charCount(cp);
            s.sym[n] = symbol(cp);
            s.len[n] = count;
            s.start[n] = i;
            s.prev[n] = n - 1;
            s.next[n] = n + 1;
            n++;
            i += count;
        }
        s.next[n - 1] = -1;
        int[] sym = s.sym;
        int[] len = s.len;
        int[] prev = s.prev;
        int[] next = s.next;
        for (int i = 1; i < n; i++) {
            maybeAddPair(s, i - 1, i);
        }
        while (s.agendaCount > 0) {
            long key = s.agendaKey[0];
            int right = s.agendaRight[0];
            int size = s.agendaLength[0];
            int piece = s.agendaPiece[0];
            s.pop();
            int left = ~(int) key;
            // Stale: one side was merged away, or the right symbol grew since the pair was queued.
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != size) {
                continue;
            }
            sym[left] = piece;
            len[left] = size;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            len[right] = 0;
            if (prev[left] >= 0) {
                maybeAddPair(s, prev[left], left);
            }
            if (next[left] >= 0) {
                maybeAddPair(s, left, next[left]);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            if (sym[i] >= 0) {
                s.append(sym[i]);
            } else {
                appendBytes(s, s.start[i], len[i]);
            }
        }
    }

    private void maybeAddPair(BpeWorkspace s, int left, int right) {
        int piece = merges.get(s.sym[left], s.sym[right]);
        if (piece >= 0) {
            s.push(priority(orderedScores[piece], left), right, s.len[left] + s.len[right], piece);
        }
    }

    /** Higher score first, then the leftmost: the order of SentencePiece's agenda, as one long. */
    private static long priority(int orderedScore, int left) {
        return (long) orderedScore << 32 | (~left & 0xFFFFFFFFL);
    }

    /** A character that is no piece (a newline, for Llama): its UTF-8 bytes as byte pieces. */
    private void appendBytes(BpeWorkspace s, int start, int length) {
        int cp = Character.codePointAt(s.text, start, start + length);
        if (cp < 0x80) {
            s.append(byteIds[cp]);
        } else if (cp < 0x800) {
            s.append(byteIds[0xC0 | cp >>> 6]);
            s.append(byteIds[0x80 | cp & 0x3F]);
        } else if (cp < 0x10000) {
            s.append(byteIds[0xE0 | cp >>> 12]);
            s.append(byteIds[0x80 | cp >>> 6 & 0x3F]);
            s.append(byteIds[0x80 | cp & 0x3F]);
        } else {
            s.append(byteIds[0xF0 | cp >>> 18]);
            s.append(byteIds[0x80 | cp >>> 12 & 0x3F]);
            s.append(byteIds[0x80 | cp >>> 6 & 0x3F]);
            s.append(byteIds[0x80 | cp & 0x3F]);
        }
    }
}
