package org.llemma4j.checkpoint.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.Fixtures;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.parallel.ShardDim;

/** {@code launch convert} both ways on the stories fixture. */
class HfConversionTest {

    @TempDir
    Path dir;

    @Test
    void hfToStepZeroAndBackIsBitIdentical() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        Manifest m = HfConversion.importToCheckpoint(Fixtures.stories(), store, OptionalDouble.of(1e6),
                SafetensorsDtype.F32, Map.of("seq_length", 256));
        assertEquals(0, m.step());
        assertEquals(new ParallelLayout(1, 1, 0), m.parallel());
        assertFalse(m.hasOptimizerState());
        assertEquals(1e6, ((Number) m.config().get("rotary_emb_base")).doubleValue());
        assertEquals(256, m.config().get("seq_length"));
        assertEquals(47, m.tensors().size());
        Path step = store.latest().orElseThrow();
        assertEquals(dir.resolve("save/step-000000"), step);
        assertEquals(List.of("manifest.json", "model-tp00-of-01.safetensors"),
                Files.list(step).map(p -> p.getFileName().toString()).sorted().toList());
        store.verify(step);

        try (HfLlamaImporter fixture = HfLlamaImporter.open(Fixtures.stories());
             CheckpointReader r = store.open(step);
             PointerScope scope = new PointerScope()) {
            // The trainer at TP=2 gets half of the KV heads' rows and half of o_proj's columns.
            Tensor k = fixture.tensor("model.layers.1.self_attn.k_proj.weight");
            assertBitEqual(k.narrow(0, 16, 16).contiguous(), r.readShard("model.layers.1.self_attn.k_proj.weight", 2, 1));
            Tensor o = fixture.tensor("model.layers.4.self_attn.o_proj.weight");
            assertBitEqual(o.narrow(1, 0, 32).contiguous(), r.readShard("model.layers.4.self_attn.o_proj.weight", 2, 0));
            assertEquals(ShardDim.COLUMNS, r.manifest().tensor("model.layers.4.mlp.down_proj.weight").shardDim());

            Path out = dir.resolve("hf");
            HfConversion.exportCheckpoint(store, step, out, SafetensorsDtype.F32, HfLlamaExporter.DEFAULT_MAX_SHARD_BYTES);
            try (HfLlamaImporter back = HfLlamaImporter.open(out)) {
                assertEquals(1e6, back.config().ropeTheta());
                assertEquals(fixture.config().withRopeTheta(1e6).withExtra(Map.of()),
                        back.config().withExtra(Map.of()));
                for (HfTensor t : fixture.tensors()) {
                    assertBitEqual(fixture.tensor(t.name()), back.tensor(t.name()));
                }
            }
        }
    }

    @Test
    void bf16StepZeroHoldsRoundedWeights() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        HfConversion.importToCheckpoint(Fixtures.stories(), store, OptionalDouble.empty(), SafetensorsDtype.BF16,
                Map.of());
        try (HfLlamaImporter fixture = HfLlamaImporter.open(Fixtures.stories());
             CheckpointReader r = store.open(store.latest().orElseThrow());
             PointerScope scope = new PointerScope()) {
            assertEquals("BF16", r.manifest().tensor("model.embed_tokens.weight").dtype());
            assertEquals(10000.0, ((Number) r.manifest().config().get("rotary_emb_base")).doubleValue());
            assertBitEqual(fixture.tensor("model.embed_tokens.weight").to(ScalarType.BFloat16),
                    r.read("model.embed_tokens.weight"));
        }
    }

    @Test
    void aFailedImportLeavesNoCheckpoint() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(Fixtures.stories().resolve("config.json"), bad.resolve("config.json"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfConversion.importToCheckpoint(bad,
                store, OptionalDouble.empty(), SafetensorsDtype.BF16, Map.of()));
        assertEquals(bad + ": neither model.safetensors nor model.safetensors.index.json exists", e.getMessage());
        assertEquals(java.util.Optional.empty(), store.latest());
    }
}
