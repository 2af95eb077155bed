package org.llemma4j.checkpoint.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.Fixtures;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.checkpoint.safetensors.SafetensorsWriter;
import org.llemma4j.checkpoint.safetensors.TensorSpec;

/** A Hugging Face directory that does not match its config is refused, naming the tensor and both shapes. */
class HfLlamaErrorsTest {

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    /** A copy of the fixture with its config edited, one tensor dropped, and one tensor replaced. */
    private Path variant(Consumer<ObjectNode> editConfig, String drop, String replace, Tensor replacement,
                         String add) throws IOException {
        Path out = dir.resolve("variant");
        Files.createDirectories(out);
        ObjectNode config = (ObjectNode) json.readTree(Fixtures.stories().resolve("config.json").toFile());
        editConfig.accept(config);
        json.writeValue(out.resolve("config.json").toFile(), config);
        try (PointerScope scope = new PointerScope();
             SafetensorsFile src = SafetensorsFile.open(Fixtures.stories().resolve("model.safetensors"))) {
            List<TensorSpec> specs = new ArrayList<>();
            for (String n : src.names()) {
                if (n.equals(drop)) {
                    continue;
                }
                if (n.equals(replace)) {
                    long[] shape = new long[(int) replacement.dim()];
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = replacement.size(i);
                    }
                    specs.add(new TensorSpec(n, SafetensorsDtype.of(replacement.scalar_type()), shape));
                } else {
                    specs.add(new TensorSpec(n, src.info(n).dtype(), src.info(n).shape()));
                }
            }
            if (add != null) {
                specs.add(new TensorSpec(add, SafetensorsDtype.F32, new long[] {2}));
            }
            try (SafetensorsWriter w = SafetensorsWriter.create(out.resolve("model.safetensors"), specs, Map.of())) {
                for (TensorSpec s : specs) {
                    if (s.name().equals(replace)) {
                        w.write(s.name(), replacement);
                    } else if (s.name().equals(add)) {
                        w.write(s.name(), new byte[8]);
                    } else {
                        w.write(s.name(), src.read(s.name()));
                    }
                }
                w.finish();
            }
        }
        return out;
    }

    private String openError(Path hfDir) {
        return assertThrows(CheckpointException.class, () -> HfLlamaImporter.open(hfDir).close()).getMessage();
    }

    @Test
    void missingTensor() throws Exception {
        Path d = variant(c -> { }, "model.layers.3.mlp.up_proj.weight", null, null, null);
        assertEquals("missing tensor model.layers.3.mlp.up_proj.weight (expected shape [172, 64] from config.json)",
                openError(d));
    }

    @Test
    void wrongShapeNamesBothShapes() throws Exception {
        Path d = variant(c -> c.put("intermediate_size", 128), null, null, null, null);
        assertEquals(d.resolve("model.safetensors") + ": tensor model.layers.0.mlp.gate_proj.weight has shape "
                + "[172, 64], but config.json implies [128, 64]", openError(d));
    }

    @Test
    void wrongDtype() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor ints = org.llemma4j.checkpoint.TestTensors.arange(ScalarType.Int, 0, 64);
            Path d = variant(c -> { }, null, "model.norm.weight", ints, null);
            assertEquals(d.resolve("model.safetensors") + ": tensor model.norm.weight has dtype I32, expected a "
                    + "floating-point dtype (F32, BF16, F16, F64)", openError(d));
        }
    }

    @Test
    void untiedConfigNeedsTheOutputLayer() throws Exception {
        Path d = variant(c -> c.put("tie_word_embeddings", false), null, null, null, null);
        assertEquals("missing tensor lm_head.weight (expected shape [512, 64] from config.json)", openError(d));
    }

    @Test
    void unexpectedTensorsAreRefusedButRopeBuffersIgnored() throws Exception {
        Path d = variant(c -> { }, null, null, null, "model.layers.0.self_attn.bias");
        assertEquals(d.resolve("model.safetensors") + ": unexpected tensor model.layers.0.self_attn.bias for a Llama "
                + "with this config.json", openError(d));
        Files.walk(d).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Path ok = variant(c -> { }, null, null, null, "model.layers.0.self_attn.rotary_emb.inv_freq");
        HfLlamaImporter.open(ok).close();
    }

    @Test
    void badConfigs() throws Exception {
        Path d = variant(c -> c.remove("vocab_size"), null, null, null, null);
        assertEquals(d.resolve("config.json") + ": missing key vocab_size", openError(d));
        Files.writeString(d.resolve("config.json"), "{\"model_type\": \"mistral\"}");
        assertEquals(d.resolve("config.json") + ": model_type is \"mistral\", expected \"llama\"", openError(d));
        Files.writeString(d.resolve("config.json"), "{\"hidden_size\": \"big\", \"num_attention_heads\": 8}");
        assertEquals(d.resolve("config.json") + ": hidden_size must be an integer, got \"big\"", openError(d));
        Files.writeString(d.resolve("config.json"), "{\"hidden_size\": 64}");
        assertEquals(d.resolve("config.json") + ": missing key num_attention_heads", openError(d));
        Files.writeString(d.resolve("config.json"), "{\"hidden_size\": 64, \"num_attention_heads\": 8, "
                + "\"num_hidden_layers\": 1, \"intermediate_size\": 8, \"vocab_size\": 4, \"tie_word_embeddings\": 1}");
        assertEquals(d.resolve("config.json") + ": tie_word_embeddings must be true or false, got 1", openError(d));
        Files.writeString(d.resolve("config.json"), "{\"hidden_size\": 64, \"num_attention_heads\": 6, "
                + "\"num_hidden_layers\": 1, \"intermediate_size\": 8, \"vocab_size\": 4}");
        assertEquals(d.resolve("config.json") + ": hidden_size 64 is not divisible by num_attention_heads 6",
                openError(d));
        Files.delete(d.resolve("config.json"));
        assertEquals(d.resolve("config.json") + ": no such file", openError(d));
    }

    @Test
    void noWeightsAndBadIndex() throws Exception {
        Path d = dir.resolve("empty");
        Files.createDirectories(d);
        Files.copy(Fixtures.stories().resolve("config.json"), d.resolve("config.json"));
        assertEquals(d + ": neither model.safetensors nor model.safetensors.index.json exists", openError(d));
        Files.copy(Fixtures.stories().resolve("model.safetensors"), d.resolve("model-00001-of-00001.safetensors"));
        Files.writeString(d.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"lm_head.weight\": \"model-00001-of-00001.safetensors\"}}");
        assertEquals(d.resolve("model.safetensors.index.json") + ": weight_map puts tensor lm_head.weight in "
                + "model-00001-of-00001.safetensors, which does not hold it", openError(d));
        Files.writeString(d.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"../elsewhere.safetensors\"}}");
        assertEquals(d.resolve("model.safetensors.index.json") + ": tensor model.norm.weight maps to "
                + "\"\"../elsewhere.safetensors\"\", not a file name in the directory", openError(d));
    }

    @Test
    void exportRefusesANonEmptyDirectoryAndWrongShapesLeavingNothing() throws Exception {
        HfLlamaExporter exporter = new HfLlamaExporter(SafetensorsDtype.BF16, 1 << 20);
        try (HfLlamaImporter in = HfLlamaImporter.open(Fixtures.stories())) {
            Path busy = dir.resolve("busy");
            Files.createDirectories(busy);
            Files.writeString(busy.resolve("x"), "keep");
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> exporter.export(in.config(), in, busy));
            assertEquals(busy + ": exists and is not empty; refusing to overwrite", e.getMessage());

            Path out = dir.resolve("out");
            CheckpointException shape = assertThrows(CheckpointException.class, () -> exporter.export(in.config(),
                    name -> name.equals("model.norm.weight") ? in.tensor("model.layers.0.mlp.up_proj.weight")
                            : in.tensor(name), out));
            assertEquals("tensor model.norm.weight has shape [172, 64], but the config implies [64]",
                    shape.getMessage());
            assertFalse(Files.exists(out));
            try (var listing = Files.list(dir)) {
                assertEquals(List.of(busy), listing.toList(), "the temporary directory is deleted");
            }
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new HfLlamaExporter(SafetensorsDtype.I32, 10));
        assertTrue(bad.getMessage().contains("export dtype must be BF16, F16 or F32, got I32"));
    }
}
