package org.llemma4j.data.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.io.AtomicFile;
import org.llemma4j.data.io.MappedFile;

/**
 * NumPy's {@code .npy} format, as far as index arrays need it: little-endian {@code int32}, {@code uint32} and
 * {@code int64} arrays of one or two dimensions in C order. Files are written as {@code np.save} writes them
 * (format version 1.0, header padded to a multiple of 64 bytes) so that NumPy reads ours and we read NumPy's;
 * reading accepts versions 1, 2 and 3 and maps the data instead of copying it.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** The element types index arrays use. */
    public enum DType {
        INT32("<i4", 4), UINT32("<u4", 4), INT64("<i8", 8);

        final String descr;
        final int size;

        DType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }

        static DType of(String descr, Path file) throws InvalidDataException {
            for (DType t : values()) {
                if (t.descr.equals(descr)) {
                    return t;
                }
            }
            throw new InvalidDataException(file + ": NPY dtype '" + descr + "' is not one of <i4, <u4, <i8");
        }
    }

    private Npy() {
    }

    /**
     * Atomically writes {@code values} (row-major) as an array of the given shape; the product of the shape must
     * equal the number of values, and every value must fit the type.
     */
    public static void write(Path file, DType type, long[] shape, LongIndexed values) throws IOException {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        if (count != values.length()) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " holds " + count
                    + " values, given " + values.length());
        }
        byte[] header = header(type, shape);
        try (AtomicFile out = AtomicFile.create(file)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(header);
            for (long i = 0; i < count; i++) {
                if (buf.remaining() < 8) {
                    drain(buf, out);
                }
                long v = values.get(i);
                switch (type) {
                    case INT32 -> {
                        if (v != (int) v) {
                            throw new IllegalArgumentException(file + ": value " + v + " at " + i + " overflows int32");
                        }
                        buf.putInt((int) v);
                    }
                    case UINT32 -> {
                        if (v < 0 || v > 0xffffffffL) {
                            throw new IllegalArgumentException(file + ": value " + v + " at " + i
                                    + " overflows uint32");
                        }
                        buf.putInt((int) v);
                    }
                    case INT64 -> buf.putLong(v);
                }
            }
            drain(buf, out);
            out.commit();
        }
    }

    private static void drain(ByteBuffer buf, AtomicFile out) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            out.channel().write(buf);
        }
        buf.clear();
    }

    static byte[] header(DType type, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        if (shape.length == 1) {
            dims.append(',');
        }
        String dict = "{'descr': '" + type.descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String text = dict + " ".repeat(padding) + "\n";
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length());
        b.put(text.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** Values addressed by a long index (a heap array or a mapped file). */
    public interface LongIndexed {
        long length();

        long get(long i);

        static LongIndexed of(int[] a) {
            return new LongIndexed() {
                public long length() {
                    return a.length;
                }

                public long get(long i) {
                    return a[(int) i];
                }
            };
        }

        static LongIndexed of(long[] a) {
            return new LongIndexed() {
                public long length() {
                    return a.length;
                }

                public long get(long i) {
                    return a[(int) i];
                }
            };
        }
    }

    /** A mapped, read-only NPY array. Thread-safe. */
    public static final class Array implements LongIndexed {
        private final Path file;
        private final DType type;
        private final long[] shape;
        private final long offset;
        private final long length;
        private final MappedFile map;

        private Array(Path file, DType type, long[] shape, long offset, long length, MappedFile map) {
            this.file = file;
            this.type = type;
            this.shape = shape;
            this.offset = offset;
            this.length = length;
            this.map = map;
        }

        public Path file() {
            return file;
        }

        public DType type() {
            return type;
        }

        public long[] shape() {
            return shape.clone();
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long get(long i) {
            if (i < 0 || i >= length) {
                throw new IndexOutOfBoundsException("element " + i + " outside [0, " + length + ") of " + file);
            }
            long pos = offset + i * type.size;
            return switch (type) {
                case INT32 -> map.getInt(pos);
                case UINT32 -> Integer.toUnsignedLong(map.getInt(pos));
                case INT64 -> map.getLong(pos);
            };
        }
    }

    /** Maps an NPY file, checking magic, version, header, dtype, order and that the size matches the shape. */
    public static Array read(Path file) throws IOException {
        long fileSize = Files.size(file);
        byte[] start = new byte[(int) Math.min(fileSize, 12)];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(start, 0, start.length) < 10 || !Arrays.equals(Arrays.copyOf(start, 6), MAGIC)) {
                throw new InvalidDataException(file + ": not an NPY file (no \\x93NUMPY magic in the first bytes)");
            }
        }
        ByteBuffer b = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN);
        int major = start[6];
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(b.getShort(8));
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (start.length < 12) {
                throw new InvalidDataException(file + ": NPY version " + major + " header is truncated");
            }
            headerLen = Integer.toUnsignedLong(b.getInt(8));
            prefix = 12;
        } else {
            throw new InvalidDataException(file + ": NPY format version " + major + " is not 1, 2 or 3");
        }
        long dataOffset = prefix + headerLen;
        if (dataOffset > fileSize) {
            throw new InvalidDataException(file + ": NPY header of " + headerLen + " bytes runs past the end of the "
                    + fileSize + "-byte file");
        }
        byte[] headerBytes = new byte[(int) headerLen];
        try (var in = Files.newInputStream(file)) {
            in.skipNBytes(prefix);
            in.readNBytes(headerBytes, 0, headerBytes.length);
        }
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeM = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeM.find()) {
            throw new InvalidDataException(file + ": NPY header lacks descr, fortran_order or shape: " + header.trim());
        }
        DType type = DType.of(descr.group(1), file);
        if (fortran.group(1).equals("True")) {
            throw new InvalidDataException(file + ": NPY array is in Fortran order; index arrays are C order");
        }
        String[] parts = shapeM.group(1).split(",");
        long[] shape = Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong)
                .toArray();
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        long expected = dataOffset + count * type.size;
        if (fileSize != expected) {
            throw new InvalidDataException(file + " has " + fileSize + " bytes, but its NPY header (" + type.descr
                    + ", shape " + Arrays.toString(shape) + ") needs " + expected);
        }
        return new Array(file, type, shape, dataOffset, count, MappedFile.open(file));
    }
}
