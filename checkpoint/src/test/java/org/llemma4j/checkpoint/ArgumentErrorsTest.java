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
import org.llemma4j.checkpoint.hf.HfConversion;
import org.llemma4j.checkpoint.hf.HfLlamaConfig;
import org.llemma4j.checkpoint.hf.HfLlamaExporter;
import org.llemma4j.checkpoint.hf.HfLlamaImporter;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsException;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.checkpoint.safetensors.SafetensorsWriter;
import org.llemma4j.checkpoint.safetensors.TensorSpec;
import org.llemma4j.parallel.ShardDim;

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

    @Test
    void hfConfigValuesAndExporterSettings() throws Exception {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\"hidden_size\": 64, \"num_attention_heads\": 8, \"num_hidden_layers\": 1, "
                + "\"intermediate_size\": 8, \"vocab_size\": 4, \"rope_theta\": \"1e4\"}");
        assertEquals(cfg + ": rope_theta must be a number, got \"1e4\"",
                message(CheckpointException.class, () -> HfLlamaConfig.read(cfg)));
        Files.writeString(cfg, "{\"hidden_act\": \"gelu\"}");
        assertEquals(cfg + ": hidden_act is \"gelu\", only \"silu\" is supported",
                message(CheckpointException.class, () -> HfLlamaConfig.read(cfg)));
        Files.writeString(cfg, "{\"hidden_size\": 64,");
        assertEquals(true, message(CheckpointException.class, () -> HfLlamaConfig.read(cfg))
                .startsWith(cfg + ": not valid JSON: "));
        HfLlamaConfig c = new HfLlamaConfig(64, 1, 8, 4, 8, 4, 16, 1e-5, 1e4, false, Map.of());
        assertEquals("rotary_emb_base must be > 1, got 0.5",
                message(IllegalArgumentException.class, () -> c.withRopeTheta(0.5)));
        assertEquals("config key vocab_size is missing or not a number: null", message(IllegalArgumentException.class,
                () -> HfLlamaConfig.fromNeoxKeys(Map.of("hidden_size", 64, "num_layers", 1,
                        "num_attention_heads", 8, "intermediate_size", 8, "max_position_embeddings", 16))));
        assertEquals("num_attention_heads 8 is not divisible by num_key_value_heads 3",
                message(IllegalArgumentException.class,
                        () -> new HfLlamaConfig(64, 1, 8, 3, 8, 4, 16, 1e-5, 1e4, false, Map.of())));
        assertEquals("max shard size must be > 0, got 0", message(IllegalArgumentException.class,
                () -> new HfLlamaExporter(SafetensorsDtype.BF16, 0)));
    }

    @Test
    void hfIndexWithoutWeightMap() throws Exception {
        Path d = Files.createDirectories(dir.resolve("hf"));
        Files.copy(Fixtures.stories().resolve("config.json"), d.resolve("config.json"));
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
        assertEquals(d.resolve("model.safetensors.index.json") + ": missing object \"weight_map\"",
                message(CheckpointException.class, () -> HfLlamaImporter.open(d).close()));
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"weight_map\": ");
        assertEquals(true, message(CheckpointException.class, () -> HfLlamaImporter.open(d).close())
                .startsWith(d.resolve("model.safetensors.index.json") + ": not valid JSON: "));
        try (HfLlamaImporter in = HfLlamaImporter.open(Fixtures.stories())) {
            assertEquals(Fixtures.stories() + ": the model has no tensor lm_head.weight",
                    message(CheckpointException.class, () -> in.tensor("lm_head.weight")));
        }
    }

    @Test
    void exportingACheckpointWithoutArchitectureKeys() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        TinyModel.save(store, 1, new ParallelLayout(1, 1, 0));        // its config has no model keys
        assertEquals(store.latest().orElseThrow().resolve("manifest.json") + ": the config does not describe a Llama: "
                + "config key num_attention_heads is missing or not a number: null",
                message(CheckpointException.class, () -> HfConversion.exportCheckpoint(store,
                        store.latest().orElseThrow(), dir.resolve("out"), SafetensorsDtype.BF16, 1 << 20)));
        assertEquals(ShardDim.ROWS, store.readManifest(store.latest().orElseThrow())
                .tensor("model.embed_tokens.weight").shardDim());
    }
}
