package org.llemma4j.checkpoint.safetensors;

import java.util.Locale;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The element types of the safetensors format, under the names its header uses, with their sizes and the
 * libtorch type each maps to.
 */
public enum SafetensorsDtype {
    BOOL(1, ScalarType.Bool),
    U8(1, ScalarType.Byte),
    I8(1, ScalarType.Char),
    F8_E5M2(1, ScalarType.Float8_e5m2),
    F8_E4M3(1, ScalarType.Float8_e4m3fn),
    I16(2, ScalarType.Short),
    U16(2, ScalarType.UInt16),
    F16(2, ScalarType.Half),
    BF16(2, ScalarType.BFloat16),
    I32(4, ScalarType.Int),
    U32(4, ScalarType.UInt32),
    F32(4, ScalarType.Float),
    F64(8, ScalarType.Double),
    I64(8, ScalarType.Long),
    U64(8, ScalarType.UInt64);

    private final int bytes;
    private final ScalarType torchType;

    SafetensorsDtype(int bytes, ScalarType torchType) {
        this.bytes = bytes;
        this.torchType = torchType;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The libtorch element type. */
    public ScalarType torchType() {
        return torchType;
    }

    /** The dtype a header names, or null when the name is not one of the format's. */
    public static SafetensorsDtype fromHeader(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** The safetensors dtype of a libtorch type; an error names types the format cannot hold. */
    public static SafetensorsDtype of(ScalarType type) {
        ScalarType t = type.intern();
        for (SafetensorsDtype d : values()) {
            if (d.torchType == t) {
                return d;
            }
        }
        throw new IllegalArgumentException("libtorch dtype " + t + " has no safetensors equivalent");
    }

    /** Known names, for error messages. */
    public static String known() {
        StringBuilder sb = new StringBuilder();
        for (SafetensorsDtype d : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(d.name());
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }
}
