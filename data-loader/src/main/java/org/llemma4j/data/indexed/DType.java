package org.llemma4j.data.indexed;

import java.nio.ByteBuffer;

/**
 * The element type of a {@code .bin} file, with the numeric codes Megatron writes into the {@code .idx}. Tokens
 * are handled as Java {@code int}s everywhere; the wide and floating types exist only so that files written with
 * them can be read, and a value that is not a valid {@code int} token makes the read fail.
 */
public enum DType {
    UINT8(1, 1, "uint8"),
    INT8(2, 1, "int8"),
    INT16(3, 2, "int16"),
    INT32(4, 4, "int32"),
    INT64(5, 8, "int64"),
    FLOAT32(6, 4, "float32"),
    FLOAT64(7, 8, "float64"),
    UINT16(8, 2, "uint16");

    /** GPT-NeoX's threshold: vocabularies below it are stored as uint16, others as int32. */
    public static final int UINT16_VOCAB_LIMIT = 65500;

    private final int code;
    private final int size;
    private final String numpyName;

    DType(int code, int size, String numpyName) {
        this.code = code;
        this.size = size;
        this.numpyName = numpyName;
    }

    /** The byte stored in the {@code .idx} header. */
    public int code() {
        return code;
    }

    /** Bytes per token in the {@code .bin}. */
    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return numpyName;
    }

    /** The type for a code, or {@code null} when the code is unknown (the caller names the file in its error). */
    public static DType fromCode(int code) {
        for (DType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** The codes and names, for error messages: "1 uint8, 2 int8, ...". */
    public static String describeCodes() {
        StringBuilder sb = new StringBuilder();
        for (DType t : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(t.code).append(' ').append(t.numpyName);
        }
        return sb.toString();
    }

    /** GPT-NeoX's choice of storage type for a vocabulary of {@code vocabSize} ids. */
    public static DType forVocabulary(int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        }
        return vocabSize < UINT16_VOCAB_LIMIT ? UINT16 : INT32;
    }

    /** Whether {@code token} can be stored exactly in this type. */
    public boolean fits(long token) {
        switch (this) {
            case UINT8: return token >= 0 && token <= 0xFF;
            case INT8: return token >= Byte.MIN_VALUE && token <= Byte.MAX_VALUE;
            case INT16: return token >= Short.MIN_VALUE && token <= Short.MAX_VALUE;
            case UINT16: return token >= 0 && token <= 0xFFFF;
            case INT32: return token >= Integer.MIN_VALUE && token <= Integer.MAX_VALUE;
            case FLOAT32: return Math.abs(token) <= (1 << 24);
            default: return true;
        }
    }

    /**
     * Decodes {@code count} tokens starting at byte {@code index} of a little-endian buffer.
     *
     * @throws ArithmeticException for a stored value that is not an {@code int} (the caller adds the file and
     *     position)
     */
    void decode(ByteBuffer src, int index, int[] dst, int off, int count) {
        switch (this) {
            case UINT8:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = src.get(index + i) & 0xFF;
                }
                break;
            case INT8:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = src.get(index + i);
                }
                break;
            case INT16:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = src.getShort(index + 2 * i);
                }
                break;
            case UINT16:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = src.getShort(index + 2 * i) & 0xFFFF;
                }
                break;
            case INT32:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = src.getInt(index + 4 * i);
                }
                break;
            case INT64:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = Math.toIntExact(src.getLong(index + 8 * i));
                }
                break;
            case FLOAT32:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = exactInt(src.getFloat(index + 4 * i));
                }
                break;
            case FLOAT64:
                for (int i = 0; i < count; i++) {
                    dst[off + i] = exactInt(src.getDouble(index + 8 * i));
                }
                break;
            default:
                throw new AssertionError(this);
        }
    }

    private static int exactInt(double v) {
        int i = (int) v;
        if (i != v) {
            throw new ArithmeticException("value " + v + " is not an integer token id");
        }
        return i;
    }

    /** Appends one token, already checked with {@link #fits}, to a little-endian buffer. */
    void encode(int token, ByteBuffer dst) {
        switch (this) {
            case UINT8:
            case INT8: dst.put((byte) token); break;
            case INT16:
            case UINT16: dst.putShort((short) token); break;
            case INT32: dst.putInt(token); break;
            case INT64: dst.putLong(token); break;
            case FLOAT32: dst.putFloat(token); break;
            case FLOAT64: dst.putDouble(token); break;
            default: throw new AssertionError(this);
        }
    }
}
