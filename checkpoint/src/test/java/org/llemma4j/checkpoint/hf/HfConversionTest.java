package org.llemma4j.checkpoint.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/** A Hugging Face directory to a step-0 checkpoint and back, on the stories fixture. */
class HfConversionTest {

    @TempDir
    Path dir;

    @Test
    void hfToStepZeroAndBackIsBitIdentical() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        try (HfDirectory fixture = FixtureTensors.open(); PointerScope scope = new PointerScope()) {
            Manifest m = HfConversion.importToCheckpoint(fixture.tensors(), fixture, store, SafetensorsDtype.F32,
                    Map.of("seq_length", 256, "rotary_emb_base", 1e6));
            assertEquals(0, m.step());
            assertEquals(new ParallelLayout(1, 1, 0), m.parallel());
            assertFalse(m.hasOptimizerState());
            assertEquals(Map.of("seq_length", 256, "rotary_emb_base", 1e6), m.config());
            assertEquals(47, m.tensors().size());
            Path step = store.latest().orElseThrow();
            assertEquals(dir.resolve("save/step-000000"), step);
            try (var listing = Files.list(step)) {
                assertEquals(List.of("manifest.json", "model-tp00-of-01.safetensors"),
                        listing.map(p -> p.getFileName().toString()).sorted().toList());
            }
            store.verify(step);

            try (CheckpointReader r = store.open(step)) {
                // TP rank 1 of 2 reads the second half of the rows of a matrix split by rows.
                Tensor k = fixture.tensor("model.layers.1.self_attn.k_proj.weight");
                assertBitEqual(k.narrow(0, 16, 16).contiguous(),
                        r.readShard("model.layers.1.self_attn.k_proj.weight", 2, 1));
                assertEquals(ShardDim.REPLICATED, r.manifest().tensor("model.norm.weight").shardDim());

                Path out = dir.resolve("hf");
                new HfExporter(SafetensorsDtype.F32, HfExporter.DEFAULT_MAX_SHARD_BYTES)
                        .export(Map.of(HfDirectory.CONFIG_FILE, Map.of()), fixture.tensors(), r::read, out);
                try (HfDirectory back = HfDirectory.open(out, fixture.tensors(), name -> false)) {
                    for (ParamSpec t : fixture.tensors()) {
                        assertBitEqual(fixture.tensor(t.name()), back.tensor(t.name()));
                    }
                }
            }
        }
    }

    @Test
    void bf16StepZeroHoldsRoundedWeights() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("save"));
        try (HfDirectory fixture = FixtureTensors.open(); PointerScope scope = new PointerScope()) {
            HfConversion.importToCheckpoint(fixture.tensors(), fixture, store, SafetensorsDtype.BF16, Map.of());
            try (CheckpointReader r = store.open(store.latest().orElseThrow())) {
                assertEquals("BF16", r.manifest().tensor("model.embed_tokens.weight").dtype());
                assertBitEqual(fixture.tensor("model.embed_tokens.weight").to(ScalarType.BFloat16),
                        r.read("model.embed_tokens.weight"));
            }
        }
    }

    @Test
    void aFailedImportLeavesNoCheckpoint() throws Exception {
        Path save = dir.resolve("save");
        CheckpointStore store = new CheckpointStore(save);
        try (HfDirectory fixture = FixtureTensors.open()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> HfConversion.importToCheckpoint(
                    fixture.tensors(), name -> {
                        if (name.equals("model.norm.weight")) {
                            throw new CheckpointException("disk gone while reading " + name);
                        }
                        return fixture.tensor(name);
                    }, store, SafetensorsDtype.BF16, Map.of()));
            assertEquals("disk gone while reading model.norm.weight", e.getMessage());
        }
        assertEquals(Optional.empty(), store.latest());
        try (var listing = Files.list(save)) {
            assertEquals(List.of(), listing.toList(), "the temporary step directory is gone");
        }
    }
}
