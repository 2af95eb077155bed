package org.llemma4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.arange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can break the format is refused with a message naming the file and the tensor. */
class SafetensorsErrorsTest {

    @TempDir
    Path dir;

    /** A file with the given header text (unpadded) and {@code dataBytes} zero bytes of data. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String openError(Path p) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertTrue(openError(p).endsWith("file is 3 bytes, shorter than the 8-byte header length field"));
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        Path p = dir.resolve("len.safetensors");
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).putInt(0);
        Files.write(p, b.array());
        assertTrue(openError(p).endsWith("header length 1000 runs past the end of the file (12 bytes)"));
        ByteBuffer huge = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1);
        Files.write(p, huge.array());
        assertTrue(openError(p).endsWith("header length 18446744073709551615 runs past the end of the file (8 bytes)"));
    }

    @Test
    void invalidJson() throws IOException {
        assertTrue(openError(file("{\"a\": {\"dtype\": ", 0)).contains("the header is not valid JSON"));
        assertTrue(openError(file("[1, 2]", 0)).endsWith("the header is not a JSON object"));
    }

    @Test
    void duplicateTensorNames() throws IOException {
        String e = openError(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2));
        assertTrue(e.contains("the header is not valid JSON: Duplicate field 'a'"), e);
    }

    @Test
    void unknownDtype() throws IOException {
        String e = openError(file("{\"w\":{\"dtype\":\"F7\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2));
        assertTrue(e.endsWith("tensor w: unknown dtype \"F7\" (known: " + SafetensorsDtype.known() + ")"), e);
    }

    @Test
    void missingAndMalformedFields() throws IOException {
        assertTrue(openError(file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,2]}}", 2))
                .endsWith("tensor w: missing string field \"dtype\""));
        assertTrue(openError(file("{\"w\":{\"dtype\":\"U8\",\"data_offsets\":[0,2]}}", 2))
                .endsWith("tensor w: missing array field \"shape\""));
        assertTrue(openError(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[-2],\"data_offsets\":[0,2]}}", 2))
                .endsWith("tensor w: \"shape\" element 0 is not a non-negative integer: -2"));
        assertTrue(openError(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0]}}", 2))
                .endsWith("tensor w: \"data_offsets\" has 1 elements, expected 2"));
        assertTrue(openError(file("{\"w\":3}", 0)).endsWith("tensor w: entry is not a JSON object"));
        assertTrue(openError(file("{\"__metadata__\":{\"format\":1}}", 0))
                .endsWith("__metadata__ key format: value is not a string: 1"));
    }

    @Test
    void shapeAndDtypeNotMatchingTheOffsets() throws IOException {
        String e = openError(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20));
        assertTrue(e.endsWith("tensor w: shape [2, 3] of dtype F32 needs 24 bytes but data_offsets [0, 20] hold 20"),
                e);
    }

    @Test
    void offsetsOutOfOrder() throws IOException {
        String e = openError(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4));
        assertTrue(e.endsWith("tensor w: data_offsets [4, 0] are out of order (begin after end)"), e);
    }

    @Test
    void overlappingTensors() throws IOException {
        String e = openError(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6));
        assertTrue(e.endsWith("tensor b: data_offsets [2, 6] overlap tensor a [0, 4]"), e);
    }

    @Test
    void holeBetweenTensors() throws IOException {
        String e = openError(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[6,8]}}", 8));
        assertTrue(e.endsWith("tensor b: data_offsets [6, 8] leave a hole of 2 bytes after tensor a"
                + " (which ends at 4)"), e);
        String first = openError(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6));
        assertTrue(first.endsWith("tensor a: data_offsets [2, 6] leave a hole of 2 bytes after the header"
                + " (which ends at 0)"), first);
    }

    @Test
    void offsetsPastTheEndOfTheFile() throws IOException {
        String e = openError(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 5));
        assertTrue(e.endsWith("tensor a: data_offsets [0, 8] run past the end of the data buffer (5 bytes)"), e);
    }

    @Test
    void trailingBytesAfterTheLastTensor() throws IOException {
        String e = openError(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 5));
        assertTrue(e.endsWith("the data buffer has 3 bytes after the last tensor (a): the offsets do not cover it"), e);
    }

    @Test
    void missingFileAndMissingTensor() throws IOException {
        Path none = dir.resolve("none.safetensors");
        assertTrue(openError(none).endsWith("no such file"));
        Path p = file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.read("b"));
            assertEquals(p + ": no tensor b (the file holds 1 tensors)", e.getMessage());
            SafetensorsException s = assertThrows(SafetensorsException.class, () -> f.readSlice("a", 0, 1, 5));
            assertEquals(p + ": tensor a of shape [2]: slice [1, 6) is outside dimension 0", s.getMessage());
            SafetensorsException d = assertThrows(SafetensorsException.class, () -> f.readSlice("a", 1, 0, 1));
            assertEquals(p + ": tensor a of shape [2] has no dimension 1", d.getMessage());
        }
    }

    @Test
    void writerRefusesTensorsThatDoNotMatchTheirDeclaration() throws IOException {
        Path target = dir.resolve("w.safetensors");
        try (PointerScope scope = new PointerScope();
             SafetensorsWriter w = SafetensorsWriter.create(target, List.of(
                     new TensorSpec("a", SafetensorsDtype.BF16, new long[] {2, 3}),
                     new TensorSpec("b", SafetensorsDtype.F32, new long[] {4})), Map.of())) {
            SafetensorsException shape = assertThrows(SafetensorsException.class,
                    () -> w.write("a", arange(ScalarType.BFloat16, 0, 3, 2)));
            assertEquals(target + ": tensor a was declared BF16[2, 3] but is BF16[3, 2]", shape.getMessage());
            SafetensorsException dtype = assertThrows(SafetensorsException.class,
                    () -> w.write("a", arange(ScalarType.Float, 0, 2, 3)));
            assertEquals(target + ": tensor a was declared BF16[2, 3] but is F32[2, 3]", dtype.getMessage());
            SafetensorsException undeclared = assertThrows(SafetensorsException.class,
                    () -> w.write("c", arange(ScalarType.Float, 0, 4)));
            assertEquals(target + ": tensor c was not declared when the file was created", undeclared.getMessage());
            SafetensorsException bytes = assertThrows(SafetensorsException.class, () -> w.write("b", new byte[3]));
            assertEquals(target + ": tensor b F32[4] needs 16 bytes, got 3", bytes.getMessage());
            w.write("b", arange(ScalarType.Float, 0, 4));
            SafetensorsException twice = assertThrows(SafetensorsException.class,
                    () -> w.write("b", arange(ScalarType.Float, 0, 4)));
            assertEquals(target + ": tensor b was already written", twice.getMessage());
            SafetensorsException missing = assertThrows(SafetensorsException.class, w::finish);
            assertEquals(target + ": 1 declared tensors were never written: a", missing.getMessage());
        }
        assertFalse(Files.exists(target), "an unfinished file never reaches its name");
        try (var listing = Files.list(dir)) {
            assertEquals(0, listing.count(), "the temporary file is deleted");
        }
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.create(
                target, List.of(new TensorSpec("a", SafetensorsDtype.U8, new long[] {1}),
                        new TensorSpec("a", SafetensorsDtype.U8, new long[] {1})), Map.of()));
        assertEquals(target + ": tensor a is declared twice", dup.getMessage());
    }

    @Test
    void aFullDiskLeavesThePreviousFileIntact() throws Exception {
        Path target = dir.resolve("m.safetensors");
        try (PointerScope scope = new PointerScope()) {
            var a = arange(ScalarType.Float, 0, 64);
            List<TensorSpec> specs = List.of(new TensorSpec("a", SafetensorsDtype.F32, new long[] {64}));
            try (SafetensorsWriter w = SafetensorsWriter.create(target, specs, Map.of())) {
                w.write("a", a);
                w.finish();
            }
            byte[] before = Files.readAllBytes(target);
            try (SafetensorsWriter w = SafetensorsWriter.create(target, specs, Map.of(), FailingChannel.after(100))) {
                IOException e = assertThrows(IOException.class, () -> w.write("a", arange(ScalarType.Float, 9, 64)));
                assertEquals("No space left on device", e.getMessage());
            }
            assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(Files.readAllBytes(target)));
            try (var listing = Files.list(dir)) {
                assertEquals(List.of(target), listing.toList(), "the temporary file is deleted");
            }
        }
    }
}
