package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.ShardWriter;
import org.llemma4j.checkpoint.ShardedTensor;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.Tensors;

/** {@code launch convert} both ways on the stories260K fixture, and its errors. */
class ConvertCommandTest {

    static final Path STORIES = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"),
            "hf-llama", "stories260K-gqa");

    @TempDir
    Path dir;

    @Test
    void storiesToCheckpointAndBackIsBitIdentical() throws Exception {
        Path save = dir.resolve("save");
        LaunchRun in = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                save.toString(), "--dtype", "fp32", "--rotary-emb-base", "5000");
        assertEquals(0, in.status(), in.err());
        assertTrue(in.out().startsWith("converted " + STORIES + " to " + save.resolve("step-000000") + "\n"), in.out());
        assertTrue(in.out().contains("  model     5 layers, hidden 64, 8 heads / 4 KV heads, FFN 172, vocab 512, "
                + "tied embeddings\n"), in.out());
        assertTrue(in.out().contains("  rope      rotary_emb_base 5000 (--rotary-emb-base)\n"), in.out());
        assertTrue(in.out().contains("  weights   47 tensors, 260,032 parameters, F32, "), in.out());

        CheckpointStore store = new CheckpointStore(save);
        Manifest m = store.verify(store.latest().orElseThrow());
        assertEquals(0, m.step());
        assertEquals(5000.0, ((Number) m.config().get("rotary_emb_base")).doubleValue());

        Path out = dir.resolve("hf");
        LaunchRun back = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out", out.toString(),
                "--max-shard-size", "400KB");
        assertEquals(0, back.status(), back.err());
        assertTrue(back.out().startsWith("exported " + save.resolve("step-000000") + " (step 0, 260,032 parameters) to "
                + out + " as F32\n"), back.out());
        List<String> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("config.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json"), files);
        for (String f : files) {
            assertTrue(back.out().contains("  " + f), back.out());
        }
        LlamaConfig exportedConfig = HfModels.readConfig(out).model();
        assertEquals(5000.0, exportedConfig.ropeBase());
        assertEquals(HfModels.readConfig(STORIES).model().toBuilder().ropeBase(5000).build(), exportedConfig);
        try (HfDirectory fixture = HfModels.open(STORIES, HfModels.readConfig(STORIES));
             HfDirectory exported = HfModels.open(out, HfModels.readConfig(out));
             PointerScope scope = new PointerScope()) {
            for (ParamSpec t : fixture.tensors()) {
                assertTrue(fixture.tensor(t.name()).equal(exported.tensor(t.name())), t.name());
            }
        }
    }

    @Test
    void bf16ByDefaultAndExportedInTheStoredDtype() throws Exception {
        Path save = dir.resolve("save");
        assertEquals(0, LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                save.toString()).status());
        LaunchRun back = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--step", "0", "--out",
                dir.resolve("hf").toString());
        assertEquals(0, back.status(), back.err());
        assertTrue(back.out().contains(" as BF16\n"), back.out());
        assertTrue(Files.readString(dir.resolve("hf/config.json")).contains("\"torch_dtype\" : \"bfloat16\"")
                || Files.readString(dir.resolve("hf/config.json")).contains("\"torch_dtype\":\"bfloat16\""),
                Files.readString(dir.resolve("hf/config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("hf/model.safetensors")));
    }

    @Test
    void errorsAreOneLineMessages() throws Exception {
        Path save = dir.resolve("save");
        Path missing = dir.resolve("nowhere");

        LaunchRun r = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", missing.toString(), "--save",
                save.toString());
        assertEquals(1, r.status());
        assertEquals("launch convert hf-to-checkpoint: " + missing + ": no such directory\n", r.err());

        Path notHf = Files.createDirectories(dir.resolve("empty"));
        r = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", notHf.toString(), "--save", save.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("launch convert hf-to-checkpoint: " + notHf.resolve("config.json")), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());

        r = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save", save.toString(),
                "--dtype", "fp8");
        assertEquals(2, r.status());
        assertEquals("launch convert: --dtype must be one of bf16, fp32, got 'fp8'\n", r.err());

        r = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save", save.toString(),
                "--rotary-emb-base", "1");
        assertEquals(2, r.status());
        assertEquals("launch convert: --rotary-emb-base must be > 1, got 1\n", r.err());

        assertEquals(0, LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                save.toString()).status());
        r = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save", save.toString());
        assertEquals(1, r.status());
        assertEquals("launch convert hf-to-checkpoint: " + save + " already holds checkpoints ("
                + save.resolve("latest") + " exists); choose an empty save directory\n", r.err());

        r = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--step", "7", "--out",
                dir.resolve("hf").toString());
        assertEquals(1, r.status());
        assertEquals("launch convert checkpoint-to-hf: " + save + " has no checkpoint of step 7 ("
                + save.resolve("step-000007") + " does not exist)\n", r.err());

        r = LaunchRun.of("convert", "checkpoint-to-hf", "--load", notHf.toString(), "--out",
                dir.resolve("hf").toString());
        assertEquals(1, r.status());
        assertEquals("launch convert checkpoint-to-hf: " + notHf + " holds no checkpoint (" + notHf.resolve("latest")
                + " does not exist)\n", r.err());

        r = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out",
                dir.resolve("hf").toString(), "--max-shard-size", "lots");
        assertEquals(2, r.status());
        assertEquals("launch convert: --max-shard-size must be a size like 5GB, 500MB, 2GiB or a number of bytes, "
                + "got 'lots'\n", r.err());

        Files.writeString(Files.createDirectories(dir.resolve("full")).resolve("x"), "x");
        r = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out",
                dir.resolve("full").toString());
        assertEquals(1, r.status());
        assertEquals("launch convert checkpoint-to-hf: " + dir.resolve("full")
                + ": exists and is not empty; refusing to overwrite\n", r.err());

        r = LaunchRun.of("convert", "hf-to-safetensors");
        assertEquals(2, r.status());
        assertEquals("launch convert: unknown conversion 'hf-to-safetensors'; conversions: hf-to-checkpoint, "
                + "checkpoint-to-hf\n", r.err());

        r = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("launch convert: Missing required option: out"), r.err());
    }

    @Test
    void aCheckpointWhoseConfigDescribesNoModelIsRefused() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        ParallelLayout layout = new ParallelLayout(1, 1, 0);
        Path tmp = store.beginSave(1);
        try (PointerScope scope = new PointerScope()) {
            new ShardWriter(tmp, layout).writeModel(0, List.of(new ShardedTensor(
                    new ParamSpec("w", new long[] {2}, ShardDim.REPLICATED), Tensors.floatTensor(new float[2], 2))));
        }
        store.commit(tmp, Manifest.forSave(1, 0, null, Map.of(), Map.of("train_iters", 1), layout));
        LaunchRun r = LaunchRun.of("convert", "checkpoint-to-hf", "--load", dir.resolve("save").toString(), "--out",
                dir.resolve("hf").toString());
        assertEquals(1, r.status());
        assertEquals("launch convert checkpoint-to-hf: the model config of " + store.stepDir(1)
                + " has no number num_attention_heads\n", r.err());
    }

    @Test
    void sizesParseInDecimalAndBinaryUnits() throws Exception {
        assertEquals(5_000_000_000L, ConvertCommand.parseSize("5GB"));
        assertEquals(500_000_000L, ConvertCommand.parseSize("500mb"));
        assertEquals(2L << 30, ConvertCommand.parseSize("2GiB"));
        assertEquals(1234, ConvertCommand.parseSize("1234"));
        assertEquals(1_500_000L, ConvertCommand.parseSize("1.5MB"));
    }
}
