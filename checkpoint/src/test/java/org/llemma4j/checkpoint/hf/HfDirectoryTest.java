package org.llemma4j.checkpoint.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.safetensors.HeaderRules;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.parallel.ParamSpec;

/** Reading and writing Hugging Face directories against a table of tensors, on the stories fixture. */
class HfDirectoryTest {

    @TempDir
    Path dir;

    private static Map<String, Map<String, Object>> jsonFiles() throws Exception {
        Map<String, Map<String, Object>> files = new LinkedHashMap<>();
        files.put(HfDirectory.CONFIG_FILE, new ObjectMapper().convertValue(
                HfDirectory.readJson(FixtureTensors.dir().resolve(HfDirectory.CONFIG_FILE)), Map.class));
        files.put(HfDirectory.GENERATION_CONFIG_FILE, Map.of("bos_token_id", 1, "eos_token_id", 2));
        return files;
    }

    @Test
    void readsEveryTensorOfTheTable() throws Exception {
        List<ParamSpec> table = FixtureTensors.table();
        assertEquals(47, table.size());
        try (HfDirectory in = FixtureTensors.open(); PointerScope scope = new PointerScope()) {
            assertEquals(table, in.tensors());
            for (ParamSpec t : table) {
                Tensor value = in.tensor(t.name());
                assertEquals(ScalarType.Float, value.scalar_type().intern());
                assertEquals(t.numel(), value.numel());
            }
            assertEquals(FixtureTensors.dir() + ": the model has no tensor lm_head.weight",
                    assertThrows(CheckpointException.class, () -> in.tensor("lm_head.weight")).getMessage());
        }
    }

    @Test
    void shardedExportReimportsBitIdentical() throws Exception {
        Path out = dir.resolve("exported");
        // 40 kB shards: the 128 kB embedding gets a shard of its own, the layers spread over several more.
        HfExporter exporter = new HfExporter(SafetensorsDtype.F32, 40_000);
        Map<String, Map<String, Object>> json = jsonFiles();
        try (HfDirectory in = FixtureTensors.open()) {
            List<Path> files = exporter.export(json, in.tensors(), in, out);
            assertEquals(List.of(out.resolve("config.json"), out.resolve("generation_config.json"),
                    out.resolve("model.safetensors.index.json")), files.subList(0, 3));
            assertTrue(files.size() > 6, "several shards: " + files);
            try (HfDirectory back = HfDirectory.open(out, in.tensors(), name -> false);
                 PointerScope scope = new PointerScope()) {
                for (ParamSpec t : in.tensors()) {
                    assertBitEqual(in.tensor(t.name()), back.tensor(t.name()));
                }
            }
        }
        ObjectMapper mapper = new ObjectMapper();
        JsonNode index = mapper.readTree(out.resolve("model.safetensors.index.json").toFile());
        Set<String> shardFiles = new HashSet<>();
        int count = 0;
        for (var it = index.get("weight_map").fields(); it.hasNext(); ) {
            shardFiles.add(it.next().getValue().asText());
            count++;
        }
        assertEquals(47, count);
        Set<String> expectedNames = new HashSet<>();
        for (int i = 1; i <= shardFiles.size(); i++) {
            expectedNames.add(String.format("model-%05d-of-%05d.safetensors", i, shardFiles.size()));
        }
        assertEquals(expectedNames, shardFiles);
        long total = 0;
        for (String f : shardFiles) {
            HeaderRules.assertFollowed(out.resolve(f));
            try (SafetensorsFile sf = SafetensorsFile.open(out.resolve(f))) {
                for (String name : sf.names()) {
                    total += sf.info(name).byteSize();
                }
            }
        }
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        assertEquals(mapper.valueToTree(json.get("config.json")), mapper.readTree(out.resolve("config.json").toFile()),
                "the JSON files are written as given");
        assertEquals(2, mapper.readTree(out.resolve("generation_config.json").toFile()).get("eos_token_id").asInt());
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(out), listing.toList(), "no temporary directory left");
        }
    }

    @Test
    void bf16ExportFitsOneFileWithoutIndex() throws Exception {
        Path out = dir.resolve("bf16");
        Map<String, Map<String, Object>> json = Map.of(HfDirectory.CONFIG_FILE, Map.of("model_type", "test"));
        HfExporter exporter = new HfExporter(SafetensorsDtype.BF16, HfExporter.DEFAULT_MAX_SHARD_BYTES);
        assertEquals("bfloat16", exporter.torchDtypeName());
        try (HfDirectory in = FixtureTensors.open()) {
            List<Path> files = exporter.export(json, in.tensors(), in, out);
            assertEquals(List.of(out.resolve("config.json"), out.resolve("model.safetensors")), files);
            HeaderRules.assertFollowed(out.resolve("model.safetensors"));
            try (HfDirectory back = HfDirectory.open(out, in.tensors(), name -> false);
                 PointerScope scope = new PointerScope()) {
                for (ParamSpec t : in.tensors()) {
                    assertBitEqual(in.tensor(t.name()).to(ScalarType.BFloat16), back.tensor(t.name()));
                }
            }
        }
        assertFalse(Files.exists(out.resolve("model.safetensors.index.json")));
    }

    @Test
    void exportRefusesANonEmptyDirectoryWrongShapesAndBadNamesLeavingNothing() throws Exception {
        HfExporter exporter = new HfExporter(SafetensorsDtype.BF16, 1 << 20);
        Map<String, Map<String, Object>> json = Map.of(HfDirectory.CONFIG_FILE, Map.of());
        try (HfDirectory in = FixtureTensors.open()) {
            Path busy = Files.createDirectories(dir.resolve("busy"));
            Files.writeString(busy.resolve("x"), "keep");
            assertEquals(busy + ": exists and is not empty; refusing to overwrite", assertThrows(
                    CheckpointException.class, () -> exporter.export(json, in.tensors(), in, busy)).getMessage());

            Path out = dir.resolve("out");
            CheckpointException shape = assertThrows(CheckpointException.class, () -> exporter.export(json,
                    in.tensors(), name -> name.equals("model.norm.weight")
                            ? in.tensor("model.layers.0.mlp.up_proj.weight") : in.tensor(name), out));
            assertEquals("tensor model.norm.weight has shape [172, 64], but the config implies [64]",
                    shape.getMessage());
            assertFalse(Files.exists(out));
            try (var listing = Files.list(dir)) {
                assertEquals(List.of(busy), listing.toList(), "the temporary directory is deleted");
            }
            assertEquals("\"../config.json\" is not the name of a JSON file in the directory",
                    assertThrows(IllegalArgumentException.class, () -> exporter.export(
                            Map.of("../config.json", Map.of()), in.tensors(), in, out)).getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HfExporter(SafetensorsDtype.I32, 10))
                .getMessage().contains("export dtype must be BF16, F16 or F32, got I32"));
        assertEquals("max shard size must be > 0, got 0", assertThrows(IllegalArgumentException.class,
                () -> new HfExporter(SafetensorsDtype.BF16, 0)).getMessage());
    }

    @Test
    void aTableTheFilesDoNotMatchIsRefusedNamingTheTensor() throws Exception {
        List<ParamSpec> table = new ArrayList<>(FixtureTensors.table());
        Path d = FixtureTensors.dir();
        ParamSpec up = table.stream().filter(t -> t.name().equals("model.layers.0.mlp.up_proj.weight")).findFirst()
                .orElseThrow();
        List<ParamSpec> wrongShape = new ArrayList<>(table);
        wrongShape.set(table.indexOf(up), new ParamSpec(up.name(), new long[] {128, 64}, up.shardDim()));
        assertEquals(d.resolve("model.safetensors") + ": tensor model.layers.0.mlp.up_proj.weight has shape "
                + "[172, 64], but config.json implies [128, 64]", openError(d, wrongShape, name -> false));

        List<ParamSpec> more = new ArrayList<>(table);
        more.add(new ParamSpec("lm_head.weight", new long[] {512, 64}, up.shardDim()));
        assertEquals("missing tensor lm_head.weight (expected shape [512, 64] from config.json)",
                openError(d, more, name -> false));

        List<ParamSpec> fewer = new ArrayList<>(table);
        fewer.remove(up);
        assertEquals(d.resolve("model.safetensors") + ": unexpected tensor model.layers.0.mlp.up_proj.weight, which "
                + "the model of this config.json does not have", openError(d, fewer, name -> false));
        HfDirectory.open(d, fewer, name -> name.endsWith(".up_proj.weight")).close();    // redundant: skipped
    }

    @Test
    void aWeightInAnIntegerDtypeIsRefused() throws Exception {
        Path d = Files.createDirectories(dir.resolve("ints"));
        try (PointerScope scope = new PointerScope();
             var w = org.llemma4j.checkpoint.safetensors.SafetensorsWriter.create(d.resolve("model.safetensors"),
                     List.of(new org.llemma4j.checkpoint.safetensors.TensorSpec("w", SafetensorsDtype.I32,
                             new long[] {4})), Map.of())) {
            w.write("w", org.llemma4j.checkpoint.TestTensors.arange(ScalarType.Int, 0, 4));
            w.finish();
        }
        List<ParamSpec> table = List.of(new ParamSpec("w", new long[] {4}, org.llemma4j.parallel.ShardDim.REPLICATED));
        assertEquals(d.resolve("model.safetensors") + ": tensor w has dtype I32, expected a floating-point dtype "
                + "(F32, BF16, F16, F64)", openError(d, table, name -> false));
    }

    @Test
    void noWeightsAndBadIndexes() throws Exception {
        List<ParamSpec> table = FixtureTensors.table();
        Path d = Files.createDirectories(dir.resolve("empty"));
        assertEquals(d + ": neither model.safetensors nor model.safetensors.index.json exists",
                openError(d, table, name -> false));
        Files.copy(FixtureTensors.dir().resolve("model.safetensors"), d.resolve("model-00001-of-00001.safetensors"));
        Path index = d.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": {\"lm_head.weight\": \"model-00001-of-00001.safetensors\"}}");
        assertEquals(index + ": weight_map puts tensor lm_head.weight in model-00001-of-00001.safetensors, which "
                + "does not hold it", openError(d, table, name -> false));
        Files.writeString(index, "{\"weight_map\": {\"model.norm.weight\": \"../elsewhere.safetensors\"}}");
        assertEquals(index + ": tensor model.norm.weight maps to \"\"../elsewhere.safetensors\"\", not a file name "
                + "in the directory", openError(d, table, name -> false));
        Files.writeString(index, "{\"metadata\": {}}");
        assertEquals(index + ": missing object \"weight_map\"", openError(d, table, name -> false));
        Files.writeString(index, "{\"weight_map\": ");
        assertTrue(openError(d, table, name -> false).startsWith(index + ": not valid JSON: "));
    }

    @Test
    void jsonFilesAreReadWithErrorsNamingTheFile() throws Exception {
        Path file = dir.resolve("config.json");
        assertEquals(file + ": no such file",
                assertThrows(CheckpointException.class, () -> HfDirectory.readJson(file)).getMessage());
        Files.writeString(file, "{\"hidden_size\": 64,");
        assertTrue(assertThrows(CheckpointException.class, () -> HfDirectory.readJson(file)).getMessage()
                .startsWith(file + ": not valid JSON: "));
        Files.writeString(file, "[1, 2]");
        assertEquals(file + ": not a JSON object",
                assertThrows(CheckpointException.class, () -> HfDirectory.readJson(file)).getMessage());
        Files.writeString(file, "{\"hidden_size\": 64}");
        assertEquals(64, HfDirectory.readJson(file).get("hidden_size").asInt());
    }

    private static String openError(Path d, List<ParamSpec> table, java.util.function.Predicate<String> redundant) {
        return assertThrows(CheckpointException.class, () -> HfDirectory.open(d, table, redundant).close())
                .getMessage();
    }
}
