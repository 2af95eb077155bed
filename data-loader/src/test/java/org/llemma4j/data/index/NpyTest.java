package org.llemma4j.data.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.InvalidDataException;

class NpyTest {

    @TempDir
    Path dir;

    /** The bytes np.save writes for np.arange(3, dtype=np.int32): a 128-byte aligned header in format 1.0. */
    @Test
    void headerIsWhatNumpyWrites() {
        byte[] h = Npy.header(Npy.DType.INT32, new long[] {3});
        assertEquals(128, h.length);
        String text = new String(h, 10, h.length - 10, StandardCharsets.US_ASCII);
        assertEquals("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", text.strip());
        assertEquals('\n', text.charAt(text.length() - 1));
        assertEquals(1, h[6]);
        assertEquals(0, h[7]);
        String twoD = new String(Npy.header(Npy.DType.INT64, new long[] {9, 2}), StandardCharsets.US_ASCII);
        assertEquals(true, twoD.contains("'shape': (9, 2), }"));
    }

    @Test
    void roundTripsEveryType() throws Exception {
        long[] values = {0, 1, 4_000_000_000L, 7};
        Path u = dir.resolve("u.npy");
        Npy.write(u, Npy.DType.UINT32, new long[] {4}, Npy.LongIndexed.of(values));
        Npy.Array a = Npy.read(u);
        assertEquals(4_000_000_000L, a.get(2));
        Path l = dir.resolve("l.npy");
        Npy.write(l, Npy.DType.INT64, new long[] {2, 2}, Npy.LongIndexed.of(new long[] {-5, Long.MAX_VALUE, 3, 4}));
        Npy.Array b = Npy.read(l);
        assertArrayEquals(new long[] {2, 2}, b.shape());
        assertEquals(Long.MAX_VALUE, b.get(1));
        assertEquals(-5, b.get(0));
        Path i = dir.resolve("i.npy");
        Npy.write(i, Npy.DType.INT32, new long[] {3}, Npy.LongIndexed.of(new int[] {-1, 2, 3}));
        assertEquals(-1, Npy.read(i).get(0));
    }

    @Test
    void badFilesAreNamedWithTheirSizes() throws Exception {
        Path f = dir.resolve("short.npy");
        Npy.write(f, Npy.DType.INT32, new long[] {3}, Npy.LongIndexed.of(new int[] {1, 2, 3}));
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 4));
        InvalidDataException truncated = assertThrows(InvalidDataException.class, () -> Npy.read(f));
        assertEquals(f + " has 136 bytes, but its NPY header (<i4, shape [3]) needs 140", truncated.getMessage());

        Path g = dir.resolve("notnpy.npy");
        Files.writeString(g, "hello world, not numpy");
        InvalidDataException magic = assertThrows(InvalidDataException.class, () -> Npy.read(g));
        assertEquals(g + ": not an NPY file (no \\x93NUMPY magic in the first bytes)", magic.getMessage());

        Path h = dir.resolve("float.npy");
        byte[] header = Npy.header(Npy.DType.INT32, new long[] {1});
        String s = new String(header, StandardCharsets.ISO_8859_1).replace("<i4", "<f4");
        byte[] fl = Arrays.copyOf(s.getBytes(StandardCharsets.ISO_8859_1), header.length + 4);
        Files.write(h, fl);
        InvalidDataException dtype = assertThrows(InvalidDataException.class, () -> Npy.read(h));
        assertEquals(h + ": NPY dtype '<f4' is not one of <i4, <u4, <i8", dtype.getMessage());

        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class, () -> Npy.write(
                dir.resolve("o.npy"), Npy.DType.INT32, new long[] {1}, Npy.LongIndexed.of(new long[] {1L << 40})));
        assertEquals(dir.resolve("o.npy") + ": value 1099511627776 at 0 overflows int32", overflow.getMessage());
    }
}
