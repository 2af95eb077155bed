package org.llemma4j.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.arange;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;
import static org.llemma4j.checkpoint.TestTensors.shape;

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

/**
 * The bounded host pieces of {@link SafetensorsWriter#write(String, Tensor)}: a tensor that is not a contiguous CPU
 * tensor (on a GPU, every device shard; here strided views, the CPU's stand-in) goes to the file through host pieces
 * of at most the writer's piece size, and the file is byte for byte the one its contiguous copy gives.
 */
class HostPiecesTest {

    /** Not a multiple of 8 or 4: a piece holds as many whole elements as fit. */
    private static final long PIECE_BYTES = 1000;

    @TempDir
    Path dir;

    @Test
    void stridedTensorsLargerThanAPieceRoundTripByteForByte() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> strided = List.of(
                    arange(ScalarType.Float, 0.3, 40, 30).t(),                    // 4800 bytes, transposed
                    arange(ScalarType.BFloat16, 0, 50, 20).narrow(1, 3, 11),      // 1100 bytes, columns 3..13
                    arange(ScalarType.Double, -1, 300, 3).select(1, 2),           // 2400 bytes, stride 3
                    arange(ScalarType.Int, 0, 4, 5, 6).permute(2, 0, 1),          // 480 bytes: one piece
                    arange(ScalarType.Float, 2, 3, 1000).narrow(1, 1, 999));      // 11988 bytes
            List<String> names = List.of("f32.t", "bf16.cols", "f64.strided", "i32.permuted", "f32.rows");
            List<TensorSpec> specs = new ArrayList<>();
            long expectedPieces = 0;
            for (int i = 0; i < strided.size(); i++) {
                Tensor t = strided.get(i);
                assertFalse(t.is_contiguous(), names.get(i) + " must exercise the piece path");
                SafetensorsDtype dtype = SafetensorsDtype.of(t.scalar_type());
                specs.add(new TensorSpec(names.get(i), dtype, shape(t)));
                long perPiece = PIECE_BYTES / dtype.bytes();
                expectedPieces += (t.numel() + perPiece - 1) / perPiece;
            }
            Path pieces = dir.resolve("pieces.safetensors");
            Path whole = dir.resolve("whole.safetensors");
            String piecesCrc;
            String wholeCrc;
            try (SafetensorsWriter w = SafetensorsWriter.create(pieces, specs, Map.of(), ChannelOpener.DEFAULT,
                    PIECE_BYTES)) {
                for (String name : w.dataOrder()) {
                    w.write(name, strided.get(names.indexOf(name)));
                }
                w.finish();
                assertEquals(expectedPieces, w.piecesCopied());
                piecesCrc = w.crc32c().orElseThrow();
            }
            try (SafetensorsWriter w = SafetensorsWriter.create(whole, specs, Map.of(), ChannelOpener.DEFAULT,
                    PIECE_BYTES)) {
                for (String name : w.dataOrder()) {
                    w.write(name, strided.get(names.indexOf(name)).contiguous());
                }
                w.finish();
                assertEquals(0, w.piecesCopied(), "a contiguous CPU tensor is written from its own memory");
                wholeCrc = w.crc32c().orElseThrow();
            }
            assertEquals(-1, Files.mismatch(pieces, whole), "the files differ");
            assertEquals(wholeCrc, piecesCrc);
            assertTrue(expectedPieces > strided.size(), "most tensors span several pieces");
            try (SafetensorsFile f = SafetensorsFile.open(pieces)) {
                for (int i = 0; i < strided.size(); i++) {
                    assertBitEqual(strided.get(i).contiguous(), f.read(names.get(i)));
                }
            }
        }
    }

    @Test
    void piecesWrittenOutOfOrderLandAtTheirOffsets() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = arange(ScalarType.Float, 0, 64, 17).t();
            Tensor b = arange(ScalarType.Float, 5, 33, 9).t();
            List<TensorSpec> specs = List.of(new TensorSpec("a", SafetensorsDtype.F32, shape(a)),
                    new TensorSpec("b", SafetensorsDtype.F32, shape(b)));
            Path file = dir.resolve("reversed.safetensors");
            try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, Map.of(), ChannelOpener.DEFAULT, 64)) {
                w.write("b", b);
                w.write("a", a);
                w.finish();
            }
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertBitEqual(a.contiguous(), f.read("a"));
                assertBitEqual(b.contiguous(), f.read("b"));
            }
        }
    }
}
