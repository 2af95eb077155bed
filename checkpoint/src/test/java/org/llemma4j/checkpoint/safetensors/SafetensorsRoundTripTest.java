package org.llemma4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.arange;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void tensorsOfEveryCommonDtypeComeBackBitIdentical() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor bf16 = arange(ScalarType.BFloat16, 0, 6, 4);
            Tensor f32 = arange(ScalarType.Float, 0.3, 3, 5, 2);
            Tensor f16 = arange(ScalarType.Half, 1, 7);
            Tensor f64 = arange(ScalarType.Double, -2, 2, 2);
            Tensor i64 = arange(ScalarType.Long, 0, 5);
            Tensor i32 = arange(ScalarType.Int, 0, 3, 1);
            Tensor scalar = arange(ScalarType.Float, 4, 1).reshape(new long[0]);
            Tensor empty = arange(ScalarType.Float, 0, 0, 4);
            Path file = dir.resolve("all.safetensors");
            List<Tensor> tensors = List.of(bf16, f32, f16, f64, i64, i32, scalar, empty);
            List<String> names = List.of("b", "a.f32", "half", "dbl", "ids", "i32", "scalar", "empty");
            List<TensorSpec> specs = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                specs.add(new TensorSpec(names.get(i), SafetensorsDtype.of(t.scalar_type()), shape(t)));
            }
            try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of("note", "x"))) {
                for (int i = tensors.size() - 1; i >= 0; i--) {     // any order: offsets were fixed up front
                    w.write(names.get(i), tensors.get(i));
                }
                w.finish();
                assertEquals(java.util.Optional.empty(), w.crc32c(), "out of order: no running checksum");
            }
            Path inOrder = dir.resolve("ordered.safetensors");
            try (SafetensorsWriter w = SafetensorsWriter.create(inOrder, specs, Map.of("note", "x"))) {
                for (String name : w.dataOrder()) {
                    w.write(name, tensors.get(names.indexOf(name)));
                }
                w.finish();
                assertEquals(org.llemma4j.checkpoint.io.Checksums.crc32c(inOrder), w.crc32c().orElseThrow());
            }
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(inOrder), "write order does not matter");
            Files.delete(inOrder);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertEquals(Map.of("format", "pt", "note", "x"), f.metadata());
                for (int i = 0; i < tensors.size(); i++) {
                    assertBitEqual(tensors.get(i), f.read(names.get(i)));
                }
            }
            HeaderRules.assertFollowed(file);
            try (var listing = Files.list(dir)) {
                assertEquals(List.of(file), listing.toList(), "no temporary file left behind");
            }
        }
    }

    @Test
    void slicesAlongAnyDimensionMatchNarrow() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = arange(ScalarType.Float, 0, 6, 8, 3);
            Path file = write("t", t);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertBitEqual(t.narrow(0, 2, 3).contiguous(), f.readSlice("t", 0, 2, 3));
                assertBitEqual(t.narrow(1, 4, 4).contiguous(), f.readSlice("t", 1, 4, 4));
                assertBitEqual(t.narrow(2, 1, 1).contiguous(), f.readSlice("t", 2, 1, 1));
                assertBitEqual(t.narrow(1, 0, 0).contiguous(), f.readSlice("t", 1, 0, 0));
            }
        }
    }

    @Test
    void copiesThatCrossMappingWindowsAreExact() throws Exception {
        // A tiny window makes every read span several mappings, which is what happens past 1 GiB in real files.
        try (PointerScope scope = new PointerScope()) {
            Tensor a = arange(ScalarType.Float, 0, 7, 5);
            Tensor b = arange(ScalarType.BFloat16, 3, 9, 4);
            Path file = dir.resolve("w.safetensors");
            try (SafetensorsWriter w = SafetensorsWriter.create(file, List.of(
                    new TensorSpec("a", SafetensorsDtype.F32, new long[] {7, 5}),
                    new TensorSpec("b", SafetensorsDtype.BF16, new long[] {9, 4})), Map.of())) {
                w.write("a", a);
                w.write("b", b);
                w.finish();
            }
            try (SafetensorsFile f = SafetensorsFile.open(file, 24)) {
                assertBitEqual(a, f.read("a"));
                assertBitEqual(b, f.read("b"));
                assertBitEqual(b.narrow(1, 1, 2).contiguous(), f.readSlice("b", 1, 1, 2));
                byte[] all = Files.readAllBytes(file);
                TensorInfo info = f.info("b");
                assertArrayEquals(java.util.Arrays.copyOfRange(all, (int) (f.dataStart() + info.begin()),
                        (int) (f.dataStart() + info.end())), f.readBytes("b"));
            }
        }
    }

    @Test
    void rawBytesAndChannelsAreWrittenVerbatim() throws Exception {
        byte[] raw = new byte[12];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 7 + 1);
        }
        byte[] streamed = new byte[16];
        for (int i = 0; i < streamed.length; i++) {
            streamed[i] = (byte) (200 - i);
        }
        Path file = dir.resolve("raw.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, List.of(
                new TensorSpec("x", SafetensorsDtype.I32, new long[] {3}),
                new TensorSpec("y", SafetensorsDtype.U8, new long[] {4, 4})), Map.of())) {
            w.write("x", raw);
            w.write("y", Channels.newChannel(new ByteArrayInputStream(streamed)));
            w.finish();
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(raw, f.readBytes("x"));
            assertArrayEquals(streamed, f.readBytes("y"));
            assertEquals(List.of("x", "y"), new ArrayList<>(f.names()));
            assertTrue(f.contains("x"));
            assertFalse(f.contains("z"));
        }
    }

    private Path write(String name, Tensor t) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file,
                List.of(new TensorSpec(name, SafetensorsDtype.of(t.scalar_type()), shape(t))), Map.of())) {
            w.write(name, t);
            w.finish();
        }
        return file;
    }

    private static long[] shape(Tensor t) {
        return org.llemma4j.checkpoint.TestTensors.shape(t);
    }
}
