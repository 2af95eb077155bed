package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Assumptions;
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
import org.llemma4j.parallel.device.CudaProbe;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.runtime.model.HfModels;

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
        assertEquals(List.of("config.json", "generation_config.json", "model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"),
                files);
        assertTrue(back.out().contains("  tokens    bos_token_id 1, eos_token_id 2 (recorded when the model was "
                + "converted)\n"), back.out());
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
    void deviceCpuConvertsToTheSameBytesAsTheDefault() throws Exception {
        Path plain = dir.resolve("plain");
        Path cpu = dir.resolve("cpu");
        assertEquals(0, LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                plain.resolve("save").toString()).status());
        LaunchRun in = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                cpu.resolve("save").toString(), "--device", "cpu");
        assertEquals(0, in.status(), in.err());
        String model = "step-000000/model-tp00-of-01.safetensors";
        assertEquals(-1, Files.mismatch(plain.resolve("save").resolve(model), cpu.resolve("save").resolve(model)));
        for (Path root : new Path[] {plain, cpu}) {
            List<String> device = root == cpu ? List.of("--device", "cpu") : List.of();
            List<String> args = new java.util.ArrayList<>(List.of("convert", "checkpoint-to-hf", "--load",
                    root.resolve("save").toString(), "--out", root.resolve("hf").toString(), "--dtype", "fp32"));
            args.addAll(device);
            LaunchRun back = LaunchRun.of(args.toArray(String[]::new));
            assertEquals(0, back.status(), back.err());
        }
        assertEquals(-1, Files.mismatch(plain.resolve("hf/model.safetensors"), cpu.resolve("hf/model.safetensors")));
    }

    @Test
    void deviceCudaOnTheCpuBuildAsksForTheCudaBuildBeforeWritingAnything() {
        Assumptions.assumeFalse(CudaProbe.detect().nativesBuilt(), "this build has the CUDA natives");
        Path save = dir.resolve("save");
        LaunchRun in = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                save.toString(), "--device", "cuda");
        assertEquals(2, in.status(), in.out() + in.err());
        assertTrue(in.err().startsWith("launch convert: device cuda was requested, but this build loads libtorch's "
                + "CPU natives ("), in.err());
        assertTrue(in.err().contains("which cannot use a GPU: rebuild with -Pcuda"), in.err());
        assertFalse(Files.exists(save), "nothing is written");
        LaunchRun back = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out",
                dir.resolve("hf").toString(), "--device", "cuda");
        assertEquals(2, back.status(), back.out() + back.err());
        assertTrue(back.err().contains("rebuild with -Pcuda"), back.err());
        LaunchRun wrong = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", STORIES.toString(), "--save",
                save.toString(), "--device", "gpu");
        assertEquals(2, wrong.status());
        assertEquals("launch convert: --device must be one of auto, cpu, cuda, got 'gpu'", wrong.err().strip());
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
                + " is not usable: missing required config keys num_layers, hidden_size, num_attention_heads, "
                + "vocab_size\n",
                r.err());
    }

    /**
     * The token ids of the original directory survive hf-to-checkpoint and checkpoint-to-hf: config.json and
     * generation_config.json of the export name them, so {@code generate --hf} stops at the same EOS on both. The
     * EOS here is an id the greedy continuation reaches at its fourth token, so stopping is visible.
     */
    @Test
    void anExportStopsAtTheEosOfTheOriginal() throws Exception {
        Path original = copyWithConfig("original", c -> c.put("eos_token_id", 465));
        Path save = dir.resolve("save");
        Path exported = dir.resolve("exported");
        assertEquals(0, LaunchRun.of("convert", "hf-to-checkpoint", "--hf", original.toString(), "--save",
                save.toString(), "--dtype", "fp32").status());
        LaunchRun back = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out",
                exported.toString());
        assertEquals(0, back.status(), back.err());
        assertTrue(back.out().contains("  tokens    bos_token_id 1, eos_token_id 465 (recorded when the model was "
                + "converted)\n"), back.out());
        ObjectMapper json = new ObjectMapper();
        assertEquals(465, json.readTree(exported.resolve("config.json").toFile()).get("eos_token_id").asInt());
        JsonNode generation = json.readTree(exported.resolve("generation_config.json").toFile());
        assertEquals(1, generation.get("bos_token_id").asInt());
        assertEquals(465, generation.get("eos_token_id").asInt());

        String[] args = {"--prompt-ids", "1 403 407 261 378 365 288 9 77", "--max-new-tokens", "40", "--print-ids"};
        LaunchRun fromOriginal = generate("--hf", original, args);
        assertEquals(0, fromOriginal.status(), fromOriginal.err());
        assertEquals("341 473 483 465", fromOriginal.out().strip(), "stops at the original's EOS");
        assertEquals(fromOriginal.out(), generate("--hf", exported, args).out());
    }

    /** transformers 5 may keep the token ids in generation_config.json only: generate reads them there. */
    @Test
    void tokenIdsMayComeFromTheGenerationConfig() throws Exception {
        Path original = copyWithConfig("generation", c -> c.remove("eos_token_id"));
        Files.writeString(original.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": 465}");
        assertEquals(465, HfModels.readConfig(original).eosTokenId().orElseThrow());
        LaunchRun r = generate("--hf", original, "--prompt-ids", "1 403 407 261 378 365 288 9 77", "--max-new-tokens",
                "40", "--print-ids");
        assertEquals("341 473 483 465", r.out().strip(), r.err());
    }

    @Test
    void withoutRecordedTokenIdsTheExportNamesLlamas() throws Exception {
        Path original = copyWithConfig("no-ids", c -> {
            c.remove("bos_token_id");
            c.remove("eos_token_id");
        });
        Path save = dir.resolve("save");
        assertEquals(0, LaunchRun.of("convert", "hf-to-checkpoint", "--hf", original.toString(), "--save",
                save.toString()).status());
        LaunchRun back = LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out",
                dir.resolve("exported").toString());
        assertEquals(0, back.status(), back.err());
        assertTrue(back.out().contains("  tokens    bos_token_id 1, eos_token_id 2 (Llama's, as transformers "
                + "defaults them)\n"), back.out());
        assertEquals(2, new ObjectMapper().readTree(dir.resolve("exported/generation_config.json").toFile())
                .get("eos_token_id").asInt());
    }

    /**
     * A linearly scaled model (rope_scaling, transformers 4 spelling) keeps its factor through the checkpoint
     * (rotary_emb_scaling_factor in the manifest, which {@code generate --load} applies) and back.
     */
    @Test
    void aLinearlyScaledModelKeepsItsScalingThroughConvert() throws Exception {
        Path scaled = copyWithConfig("scaled", c -> c.set("rope_scaling",
                new ObjectMapper().createObjectNode().put("type", "linear").put("factor", 4.0)));
        Path save = dir.resolve("save");
        LaunchRun in = LaunchRun.of("convert", "hf-to-checkpoint", "--hf", scaled.toString(), "--save",
                save.toString(), "--dtype", "fp32");
        assertEquals(0, in.status(), in.err());
        assertTrue(in.out().contains("  rope      rotary_emb_base 10000 (the model's rope_theta), "
                + "rotary_emb_scaling_factor 4 (linear)\n"), in.out());
        CheckpointStore store = new CheckpointStore(save);
        assertEquals(4.0, store.readManifest(store.stepDir(0)).config().get("rotary_emb_scaling_factor"));
        Path exported = dir.resolve("exported");
        assertEquals(0, LaunchRun.of("convert", "checkpoint-to-hf", "--load", save.toString(), "--out",
                exported.toString()).status());
        assertEquals(HfModels.readConfig(scaled).model(), HfModels.readConfig(exported).model());
        assertEquals(4.0, HfModels.readConfig(exported).model().ropeScaling());

        String[] args = {"--prompt-ids", "1 403 407 261 378 365 288 9 77", "--max-new-tokens", "12", "--eos-id", "-1",
            "--print-ids"};
        LaunchRun fromHf = generate("--hf", scaled, args);
        LaunchRun fromCheckpoint = generate("--load", save, args);
        assertEquals(0, fromCheckpoint.status(), fromCheckpoint.err());
        assertEquals(fromHf.out(), fromCheckpoint.out());
        assertTrue(!fromHf.out().equals(generate("--hf", STORIES, args).out()),
                "the scaling changes the continuation");
    }

    /** A copy of the fixture (its weights linked, not copied) with its config.json edited. */
    private Path copyWithConfig(String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(STORIES.resolve("config.json").toFile());
        edit.accept(config);
        Path copy = Files.createDirectories(dir.resolve(name));
        json.writeValue(copy.resolve("config.json").toFile(), config);
        Files.createSymbolicLink(copy.resolve("model.safetensors"),
                STORIES.resolve("model.safetensors").toAbsolutePath());
        return copy;
    }

    /** {@code launch generate --hf DIR} or {@code --load DIR}, then {@code args}. */
    private static LaunchRun generate(String model, Path dir, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "generate";
        all[1] = model;
        all[2] = dir.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        return LaunchRun.of(all);
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
