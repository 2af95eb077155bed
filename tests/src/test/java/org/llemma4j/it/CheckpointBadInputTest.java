package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `launch train` says when `load` names something it cannot resume from: one line naming the culprit. */
class CheckpointBadInputTest {

    @TempDir
    static Path shared;

    private static Path save;

    @TempDir
    Path dir;

    /** One 2-step run whose step-2 checkpoint the tests load (or spoil). */
    @BeforeAll
    static void saveTwoSteps() throws Exception {
        save = shared.resolve("save");
        Path output = shared.resolve("first.txt");
        Process p = SmallRun.launch(SmallRun.trainArgs(shared.resolve("run"), 2, "save=" + save), output);
        assertTrue(SmallRun.waitFor(p, 600), CheckpointRuns.read(output));
        assertEquals(0, p.exitValue(), CheckpointRuns.read(output));
        assertTrue(Files.isRegularFile(save.resolve("step-000002/manifest.json")));
    }

    @Test
    void aCheckpointOfAnotherModelShapeIsRefusedNamingTheKey() throws Exception {
        String text = failingRun(SmallRun.trainArgs(dir.resolve("run"), 4, "load=" + save, "save=" + dir.resolve("s"),
                "num_layers=3"));
        assertTrue(text.contains("launch train: checkpoint " + save.resolve("step-000002")
                + " has num_layers 2 but this run's config has 3"), text);
    }

    @Test
    void aLatestNamingAMissingDirectoryIsAnError() throws Exception {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("latest"), "step-000007\n");
        String text = failingRun(SmallRun.trainArgs(dir.resolve("run"), 4, "load=" + broken,
                "save=" + dir.resolve("s")));
        assertTrue(text.contains("launch train: " + broken.resolve("latest") + " names step-000007, but "
                + broken.resolve("step-000007") + " does not exist"), text);
    }

    /**
     * A Hugging Face directory (the shape of the stories260K fixture) whose up projection of layer 2 has one row too
     * few: refused before anything is copied, naming the file, the tensor and both shapes.
     */
    @Test
    void aTensorOfTheWrongShapeIsNamed() throws Exception {
        Path hf = dir.resolve("hf");
        Files.createDirectories(hf);
        // The fixture's shape, with the Llama vocabulary of the sample data the run trains on.
        Files.writeString(hf.resolve("config.json"), Files.readString(fixture().resolve("config.json"))
                .replace("\"vocab_size\": 512", "\"vocab_size\": 32000"));
        Map<String, long[]> shapes = storiesShapes();
        shapes.put("model.embed_tokens.weight", new long[] {32000, 64});
        shapes.put("model.layers.2.mlp.up_proj.weight", new long[] {171, 64});
        writeZeros(hf.resolve("model.safetensors"), shapes);

        String text = failingRun(SmallRun.trainArgs(dir.resolve("run"), 4, "load=" + hf, "save=" + dir.resolve("s"),
                "num_layers=5", "hidden_size=64", "num_attention_heads=8", "num_kv_heads=4", "intermediate_size=172",
                "vocab_size=32000", "no_weight_tying=false"));
        assertTrue(text.contains("launch train: " + hf.resolve("model.safetensors")
                + ": tensor model.layers.2.mlp.up_proj.weight has shape [171, 64], but config.json implies [172, 64]"),
                text);
    }

    private String failingRun(List<String> args) throws Exception {
        Path output = dir.resolve("out.txt");
        Process p = SmallRun.launch(args, output);
        assertTrue(SmallRun.waitFor(p, 600), CheckpointRuns.read(output));
        String text = CheckpointRuns.read(output);
        assertEquals(1, p.exitValue(), text);
        assertTrue(!text.contains("step      1 |"), "no step ran: " + text);
        return text;
    }

    private static Path fixture() {
        return Path.of(System.getProperty("fixtures.dir", "../shared/fixtures"), "hf-llama", "stories260K-gqa");
    }

    private static Map<String, long[]> storiesShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", new long[] {512, 64});
        for (int i = 0; i < 5; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "self_attn.q_proj.weight", new long[] {64, 64});
            m.put(p + "self_attn.k_proj.weight", new long[] {32, 64});
            m.put(p + "self_attn.v_proj.weight", new long[] {32, 64});
            m.put(p + "self_attn.o_proj.weight", new long[] {64, 64});
            m.put(p + "mlp.gate_proj.weight", new long[] {172, 64});
            m.put(p + "mlp.up_proj.weight", new long[] {172, 64});
            m.put(p + "mlp.down_proj.weight", new long[] {64, 172});
            m.put(p + "input_layernorm.weight", new long[] {64});
            m.put(p + "post_attention_layernorm.weight", new long[] {64});
        }
        m.put("model.norm.weight", new long[] {64});
        return m;
    }

    /** A safetensors file of F32 zeros, written by hand (8-byte length, JSON header, data in header order). */
    private static void writeZeros(Path file, Map<String, long[]> shapes) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(), "data_offsets",
                    List.of(offset, offset + 4 * n)));
            offset += 4 * n;
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        Files.write(file, b.array());
        assertEquals(8 + padded + offset, Files.size(file), new String(json, StandardCharsets.UTF_8));
    }
}
