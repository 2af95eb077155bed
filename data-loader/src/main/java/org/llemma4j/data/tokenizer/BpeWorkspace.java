package org.llemma4j.data.tokenizer;

import java.util.Arrays;
import java.util.HashMap;

/**
 * One thread's working memory for {@link SentencePieceBpe}, grown as needed and reused, so that encoding a document
 * allocates little more than its result: the normalized text, the symbols of the word being merged (a doubly
 * linked list over arrays), the agenda of candidate merges (a binary max-heap over parallel arrays), the ids so
 * far and the cache of word encodings.
 */
final class BpeWorkspace {

    private static final char ESCAPED_SPACE = '\u2581';

    char[] text = new char[1024];
    int[] out = new int[1024];
    int outCount;

    /** Per symbol: its piece id (-1: no piece), length and start in {@link #text}, and its neighbours (-1: none). */
    int[] sym = new int[64];
    int[] len = new int[64];
    int[] start = new int[64];
    int[] prev = new int[64];
    int[] next = new int[64];

    /** Per candidate merge: its priority (score, then leftmost; the left symbol in the low bits), right symbol,
     * merged length and merged piece. */
    long[] agendaKey = new long[64];
    int[] agendaRight = new int[64];
    int[] agendaLength = new int[64];
    int[] agendaPiece = new int[64];
    int agendaCount;

    final HashMap<String, int[]> cache = new HashMap<>();

    /**
     * Writes the normalized text: the dummy prefix, each space as "▁", an unpaired surrogate as '?' (what Java's
     * UTF-8 encoder makes of it). Returns its length.
     */
    int normalize(String input, boolean dummyPrefix) {
        if (input.length() >= text.length) {
            text = new char[Math.max(input.length() + 1, 2 * text.length)];
        }
        char[] t = text;
        int at = 0;
        if (dummyPrefix) {
            t[at++] = ESCAPED_SPACE;
        }
        input.getChars(0, input.length(), t, at);
        int end = at + input.length();
        for (int i = at; i < end; i++) {
            char c = t[i];
            if (c == ' ') {
                t[i] = ESCAPED_SPACE;
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(t[i + 1])) {
                    i++;
                } else {
                    t[i] = '?';
                }
            }
        }
        return end;
    }

    /** Room for {@code chars} symbols and the merges they can queue; empties the agenda. */
    void ensureSymbols(int chars) {
        if (chars > sym.length) {
            int cap = Math.max(chars, 2 * sym.length);
            sym = new int[cap];
            len = new int[cap];
            start = new int[cap];
            prev = new int[cap];
            next = new int[cap];
        }
        // n - 1 initial pairs, then at most two per merge, of which there are at most n - 1.
        if (3 * chars > agendaKey.length) {
            int cap = Math.max(3 * chars, 2 * agendaKey.length);
            agendaKey = new long[cap];
            agendaRight = new int[cap];
            agendaLength = new int[cap];
            agendaPiece = new int[cap];
        }
        agendaCount = 0;
    }

    void push(long key, int right, int length, int piece) {
        int i = agendaCount++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (agendaKey[parent] >= key) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        set(i, key, right, length, piece);
    }

    /** Removes the top entry (index 0), which the caller has read. */
    void pop() {
        int last = --agendaCount;
        if (last == 0) {
            return;
        }
        long key = agendaKey[last];
        int right = agendaRight[last];
        int length = agendaLength[last];
        int piece = agendaPiece[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && agendaKey[child + 1] > agendaKey[child]) {
                child++;
            }
            if (agendaKey[child] <= key) {
                break;
            }
            move(child, i);
            i = child;
        }
        set(i, key, right, length, piece);
    }

    private void move(int from, int to) {
        set(to, agendaKey[from], agendaRight[from], agendaLength[from], agendaPiece[from]);
    }

    private void set(int i, long key, int right, int length, int piece) {
        agendaKey[i] = key;
        agendaRight[i] = right;
        agendaLength[i] = length;
        agendaPiece[i] = piece;
    }

    void append(int id) {
        if (outCount == out.length) {
            out = Arrays.copyOf(out, 2 * out.length);
        }
        out[outCount++] = id;
    }

    void append(int[] ids) {
        if (outCount + ids.length > out.length) {
            out = Arrays.copyOf(out, Math.max(2 * out.length, outCount + ids.length));
        }
        System.arraycopy(ids, 0, out, outCount, ids.length);
        outCount += ids.length;
    }
}
