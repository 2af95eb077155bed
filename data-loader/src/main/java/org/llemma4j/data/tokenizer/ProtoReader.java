package org.llemma4j.data.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Just enough of the protobuf wire format to read a SentencePiece {@code ModelProto}: varints, fixed-width
 * fields and length-delimited messages. Generated protobuf classes would pull in a whole runtime for a dozen
 * fields.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private int pos;
    private final int end;
    private final String what;

    ProtoReader(byte[] buf, int start, int end, String what) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.what = what;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** The next field's tag: field number << 3 | wire type. */
    int tag() {
        return (int) varint();
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = next();
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    /** A little-endian {@code float} (wire type 5). */
    float fixed32Float() {
        advance(4);
        int bits = (buf[pos - 4] & 0xFF) | (buf[pos - 3] & 0xFF) << 8 | (buf[pos - 2] & 0xFF) << 16
                | (buf[pos - 1] & 0xFF) << 24;
        return Float.intBitsToFloat(bits);
    }

    /** A nested message, as a reader over its bytes. */
    ProtoReader message() {
        int len = length();
        ProtoReader r = new ProtoReader(buf, pos, pos + len, what);
        pos += len;
        return r;
    }

    String string() {
        int len = length();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    /** Skips a length-delimited field, returning its length in bytes. */
    int skipBytes() {
        int len = length();
        pos += len;
        return len;
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT: varint(); break;
            case FIXED64: advance(8); break;
            case LENGTH: advance(length()); break;
            case FIXED32: advance(4); break;
            default: throw malformed("unsupported wire type " + wireType);
        }
    }

    private int length() {
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw malformed("field of " + len + " bytes at offset " + pos + " runs past the end (" + end + ")");
        }
        return (int) len;
    }

    private void advance(int n) {
        if (n > end - pos) {
            throw malformed("field at offset " + pos + " runs past the end (" + end + ")");
        }
        pos += n;
    }

    private byte next() {
        if (pos >= end) {
            throw malformed("unexpected end at offset " + pos);
        }
        return buf[pos++];
    }

    private IllegalArgumentException malformed(String detail) {
        return new IllegalArgumentException(what + " is not a valid SentencePiece model: " + detail);
    }
}
