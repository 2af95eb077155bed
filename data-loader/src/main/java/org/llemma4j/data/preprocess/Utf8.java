package org.llemma4j.data.preprocess;

/**
 * Strict UTF-8 validation, so that a corrupt byte is reported with its line instead of being silently replaced
 * (Java's decoders substitute U+FFFD, which would put wrong tokens into the dataset).
 */
final class Utf8 {

    private Utf8() {
    }

    /** Index of the first byte that starts an invalid sequence, or -1 if all of {@code b} is valid UTF-8. */
    static int firstInvalid(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int len;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                len = 2;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                min = 0x10000;
            } else {
                return i;
            }
            if (i + len > n) {
                return i;
            }
            int cp = c & (0xFF >> (len + 1));
            for (int k = 1; k < len; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return i;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return i;
            }
            i += len;
        }
        return -1;
    }

    /** 1-based line of byte {@code index} in {@code b}, counting from {@code firstLine}. */
    static long lineOf(byte[] b, int index, long firstLine) {
        long line = firstLine;
        for (int i = 0; i < index; i++) {
            if (b[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
