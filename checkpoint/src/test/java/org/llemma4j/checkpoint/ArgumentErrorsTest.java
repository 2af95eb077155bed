package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsException;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.checkpoint.safetensors.SafetensorsWriter;
import org.llemma4j.checkpoint.safetensors.TensorSpec;

/** The remaining bad arguments and inputs of the public API, each with its message. */
class ArgumentErrorsTest {

    @TempDir
    Path dir;

    private static String message(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void layoutsNamesAndSpecs() {
        assertEquals("parallel layout needs tp >= 1 and dp >= 1, got tp 0 dp 2",
                message(IllegalArgumentException.class, () -> new ParallelLayout(0, 2, 1)));
        assertEquals("zero stage must be 0 or 1, got 2",
                message(IllegalArgumentException.class, () -> new ParallelLayout(1, 1, 2)));
        assertEquals("save id must be letters, digits, '-' or '_', got ../x",
                message(IllegalArgumentException.class, () -> CheckpointNames.tempStepDir(5, "../x")));
        assertEquals("step must be >= 0, got -1", message(IllegalArgumentException.class,
                () -> CheckpointNames.stepDir(-1)));
        assertEquals("tensor w has a negative dimension in shape [2, -1]", message(IllegalArgumentException.class,
                () -> new TensorSpec("w", SafetensorsDtype.F32, new long[] {2, -1})));
        assertEquals("tensor name __metadata__ is reserved for the header's metadata",
                message(IllegalArgumentException.class,
                        () -> new TensorSpec("__metadata__", SafetensorsDtype.F32, new long[] {1})));
        assertEquals("libtorch dtype ComplexFloat has no safetensors equivalent",
                message(IllegalArgumentException.class, () -> SafetensorsDtype.of(ScalarType.ComplexFloat)));
        assertEquals(1_000_000, CheckpointNames.parseStepDir(CheckpointNames.stepDir(1_000_000)));
        assertEquals(-1, CheckpointNames.parseStepDir("step-12"));
    }

    @Test
    void storeArguments() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        assertEquals(elsewhere + " is not a temporary step directory of " + dir.resolve("save"),
                message(IllegalArgumentException.class, () -> store.commit(elsewhere,
                        TinyModel.state(1, new ParallelLayout(1, 1, 0)))));
        Path tmp = store.beginSave(3, "abc");
        assertEquals(tmp + " is not a temporary directory of step 4", message(IllegalArgumentException.class,
                () -> store.commit(tmp, TinyModel.state(4, new ParallelLayout(1, 1, 0)))));
        assertEquals(tmp + ": no .safetensors files were written", message(CheckpointException.class,
                () -> store.commit(tmp, TinyModel.state(3, new ParallelLayout(1, 1, 0)))));
        TinyModel.save(store, 1, new ParallelLayout(1, 1, 0));
        try (CheckpointReader r = store.open(store.latest().orElseThrow())) {
            assertEquals("tp rank 2 is outside 0..1", message(IllegalArgumentException.class,
                    () -> r.readShard("model.embed_tokens.weight", 2, 2)));
        }
        assertEquals("tp rank 1 is outside 0..0", message(IllegalArgumentException.class,
                () -> new ShardWriter(tmp, new ParallelLayout(1, 1, 0)).writeModel(1, java.util.List.of())));
    }

    @Test
    void headerLengthAboveTheLimit() throws Exception {
        Path p = dir.resolve("huge-header.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + 100_000_001L);              // sparse: nothing but the length is written
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L).array());
        }
        assertEquals(p + ": header length 100000001 exceeds the limit of 100000000 bytes",
                message(SafetensorsException.class, () -> SafetensorsFile.open(p).close()));
    }

    @Test
    void unsupportedTensorDtypeIsNamed() throws Exception {
        Path p = dir.resolve("c.safetensors");
        try (PointerScope scope = new PointerScope();
             SafetensorsWriter w = SafetensorsWriter.create(p, java.util.List.of(
                     new TensorSpec("c", SafetensorsDtype.F32, new long[] {2})), Map.of())) {
            var complex = torch.zeros(new long[] {2}, new TensorOptions(ScalarType.ComplexFloat));
            assertEquals(p + ": tensor c: libtorch dtype ComplexFloat has no safetensors equivalent",
                    message(SafetensorsException.class, () -> w.write("c", complex)));
        }
    }
}
