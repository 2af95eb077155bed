package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.llemma4j.checkpoint.safetensors.ChannelOpener;
import org.llemma4j.checkpoint.safetensors.FailingChannel;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

class CheckpointStoreTest {

    @TempDir
    Path dir;

    private static final ParallelLayout TP2_DP2 = new ParallelLayout(2, 2, 1);

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSaveWritesTheDesignLayoutAndResumesEverything() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        assertEquals(Optional.empty(), store.latest(), "nothing saved yet");
        Manifest written = TinyModel.save(store, 500, TP2_DP2);

        assertEquals(List.of("latest", "step-000500"), listing());
        assertEquals("step-000500\n", Files.readString(dir.resolve("latest")));
        Path step = store.latest().orElseThrow();
        assertEquals(dir.resolve("step-000500"), step);
        try (Stream<Path> s = Files.list(step)) {
            assertEquals(List.of("manifest.json", "model-tp00-of-02.safetensors", "model-tp01-of-02.safetensors",
                    "optim-tp00-dp000.safetensors", "optim-tp00-dp001.safetensors", "optim-tp01-dp000.safetensors",
                    "optim-tp01-dp001.safetensors"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Manifest m = store.verify(step);
        // Opaque maps come back with JSON's number types, so compare the serialized forms.
        assertEquals(new String(written.toJson()), new String(m.toJson()), "reads back as commit wrote it");
        assertEquals(written.tensors(), m.tensors());
        assertEquals(500, m.step());
        assertEquals(16_000, m.consumedSamples());
        assertEquals(new LrState(500, 5e-3, 1e-4, 1e-5, 10, 100, "cosine"), m.lrScheduler());
        assertEquals(1234, ((Number) m.rng().get("seed")).intValue());
        assertEquals(100, ((Number) m.config().get("train_iters")).intValue());
        assertEquals(TP2_DP2, m.parallel());
        assertTrue(m.hasOptimizerState());
        assertEquals(Manifest.FORMAT_VERSION, m.formatVersion());

        TensorEntry embed = m.tensor("model.embed_tokens.weight");
        assertEquals("BF16", embed.dtype());
        assertEquals(ShardDim.ROWS, embed.shardDim());
        assertEquals(List.of(
                new SliceLocation("model-tp00-of-02.safetensors", "model.embed_tokens.weight", 0, 4, 0, 16),
                new SliceLocation("model-tp01-of-02.safetensors", "model.embed_tokens.weight", 4, 4, 0, 16)),
                embed.slices());
        TensorEntry norm = m.tensor("model.layers.0.input_layernorm.weight");
        assertEquals(1, norm.slices().size(), "replicated tensors are stored once, by TP rank 0");
        // Per rank the flat buffer is 16 + 8 + 8 + 4 = 36 elements; DP rank 0 holds [0, 18): all of the embedding
        // block and 2 of the 8 elements of the q block.
        TensorEntry q = m.tensor("optim/model.layers.0.self_attn.q_proj.weight/exp_avg");
        assertEquals("F32", q.dtype());
        String key = "optim/model.layers.0.self_attn.q_proj.weight/exp_avg";
        assertEquals(List.of(
                new SliceLocation("optim-tp00-dp000.safetensors", key, 0, 2, 0, 2),
                new SliceLocation("optim-tp00-dp001.safetensors", key, 0, 2, 2, 6),
                new SliceLocation("optim-tp01-dp000.safetensors", key, 2, 2, 0, 2),
                new SliceLocation("optim-tp01-dp001.safetensors", key, 2, 2, 2, 6)),
                q.slices());

        JsonNode json = new ObjectMapper().readTree(step.resolve("manifest.json").toFile());
        List<String> keys = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("format_version", "library_version", "step", "consumed_samples", "lr_scheduler",
                "rng", "config", "parallel", "tensors", "files"), keys, "exactly the documented keys");
        assertEquals(8, json.get("files").get("model-tp00-of-02.safetensors").get("crc32c").asText().length());
        assertEquals("ROWS", json.get("tensors").get("model.embed_tokens.weight").get("shard_dim").asText());
        assertEquals(2, json.get("parallel").get("tp").asInt());
        assertEquals(1, json.get("parallel").get("zero_stage").asInt());

        try (PointerScope scope = new PointerScope(); CheckpointReader r = store.open(step)) {
            assertBitEqual(TinyModel.full(0), r.read("model.embed_tokens.weight"));
        }
    }

    @Test
    void keepLastDeletesOlderStepsButNeverLatest() throws Exception {
        CheckpointStore store = new CheckpointStore(dir, 2, SaveHook.NONE);
        for (long step = 1; step <= 4; step++) {
            TinyModel.save(store, step, new ParallelLayout(1, 1, 0));
        }
        assertEquals(List.of("latest", "step-000003", "step-000004"), listing());
        assertEquals(dir.resolve("step-000004"), store.latest().orElseThrow());
    }

    /** A crash at any phase before {@code latest} is replaced leaves the previous checkpoint as latest, intact. */
    @ParameterizedTest
    @EnumSource(value = SavePhase.class, names = {"INDEXED", "MANIFEST_WRITTEN", "SYNCED", "RENAMED"})
    void aCrashBeforeLatestIsReplacedKeepsThePreviousCheckpoint(SavePhase crashAt) throws Exception {
        TinyModel.save(new CheckpointStore(dir), 100, TP2_DP2);
        CheckpointStore crashing = new CheckpointStore(dir, 1, phase -> {
            if (phase == crashAt) {
                throw new IOException("simulated crash at " + phase);
            }
        });
        IOException e = assertThrows(IOException.class, () -> TinyModel.save(crashing, 200, TP2_DP2));
        assertEquals("simulated crash at " + crashAt, e.getMessage());

        CheckpointStore store = new CheckpointStore(dir, 1, SaveHook.NONE);
        assertEquals(dir.resolve("step-000100"), store.latest().orElseThrow());
        assertEquals(100, store.verify(dir.resolve("step-000100")).step());
        try (PointerScope scope = new PointerScope(); CheckpointReader r = store.open(store.latest().orElseThrow())) {
            assertBitEqual(TinyModel.full(2), r.read("model.layers.0.self_attn.o_proj.weight"));
        }
        if (crashAt == SavePhase.RENAMED) {
            assertTrue(listing().contains("step-000200"), "complete but not latest");
        } else {
            assertTrue(listing().stream().anyMatch(n -> n.startsWith(".step-000200.tmp-")), "stray temp dir");
        }

        // The next save succeeds, replaces a leftover step-000200 if any, and cleans up every stray directory.
        TinyModel.save(store, 200, TP2_DP2);
        assertEquals(List.of("latest", "step-000200"), listing());
        assertEquals(200, store.verify(store.latest().orElseThrow()).step());
    }

    @Test
    void aCrashAfterLatestIsReplacedLeavesTheNewCheckpoint() throws Exception {
        TinyModel.save(new CheckpointStore(dir), 1, TP2_DP2);
        CheckpointStore crashing = new CheckpointStore(dir, 0, phase -> {
            if (phase == SavePhase.LATEST_UPDATED) {
                throw new IOException("crash");
            }
        });
        assertThrows(IOException.class, () -> TinyModel.save(crashing, 2, TP2_DP2));
        CheckpointStore store = new CheckpointStore(dir);
        assertEquals(2, store.verify(store.latest().orElseThrow()).step());
    }

    @Test
    void reSavingTheLatestStepIsRefusedAndLeavesItIntact() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 5, TP2_DP2);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TinyModel.save(store, 5, TP2_DP2));
        assertEquals(dir.resolve("latest") + " already names step-000005; refusing to overwrite the latest checkpoint"
                + " with a new save of step 5", e.getMessage());
        assertEquals(5, store.verify(store.latest().orElseThrow()).step());
    }

    @Test
    void readsWithoutAnOpenScopeBelongToTheCaller() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 1, TP2_DP2);
        try (CheckpointReader r = store.open(store.latest().orElseThrow())) {
            org.bytedeco.pytorch.Tensor t = r.readShard("model.embed_tokens.weight", 1, 0);
            org.bytedeco.pytorch.Tensor f = r.readFlat(OptimizerNames.MASTER, TinyModel.PARAMS, 1, 0, 10, 30);
            try (PointerScope scope = new PointerScope()) {
                assertBitEqual(TinyModel.full(0), t);
                assertBitEqual(TinyModel.flat(OptimizerNames.MASTER, 1, 0).narrow(0, 10, 30).contiguous(), f);
            }
            assertFalse(t.isNull(), "the caller's tensor survives the scopes of the read");
            t.close();
            f.close();
        }
    }

    @Test
    void strayTemporaryDirectoriesAreIgnoredThenDeleted() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 1, TP2_DP2);
        Path stray = dir.resolve(".step-000009.tmp-dead");
        Files.createDirectories(stray);
        Files.write(stray.resolve("model-tp00-of-02.safetensors"), new byte[] {1, 2, 3});
        assertEquals(dir.resolve("step-000001"), store.latest().orElseThrow());
        TinyModel.save(store, 2, TP2_DP2);
        assertFalse(Files.exists(stray));
    }

    @Test
    void aFullDiskWhileWritingATensorLeavesThePreviousCheckpointIntact() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 1, TP2_DP2);
        Path tmp = store.beginSave(2);
        ChannelOpener full = FailingChannel.after(1000);
        IOException e = assertThrows(IOException.class, () -> TinyModel.writeAllRanks(tmp, TP2_DP2, full));
        assertTrue(e.getMessage().endsWith("No space left on device"), e.getMessage());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "the failed file's temporary is gone");
        }
        store.abort(tmp);
        assertEquals(List.of("latest", "step-000001"), listing());
        assertEquals(1, store.verify(store.latest().orElseThrow()).step());
    }

    @Test
    void aCommitWithAMissingRankFileNamesTheUncoveredTensor() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 1, TP2_DP2);
        Path tmp = store.beginSave(2);
        TinyModel.writeAllRanks(tmp, TP2_DP2, ChannelOpener.DEFAULT);
        Files.delete(tmp.resolve("optim-tp01-dp001.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> store.commit(tmp, TinyModel.state(2, TP2_DP2)));
        assertEquals("tensor optim/model.layers.0.self_attn.o_proj.weight/exp_avg: no file holds [2, 4) of dimension 1",
                e.getMessage());
        assertEquals(dir.resolve("step-000001"), store.latest().orElseThrow());
    }

    @Test
    void latestNamingAMissingDirectoryIsAnError() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 1, TP2_DP2);
        Files.writeString(dir.resolve("latest"), "step-000042\n");
        CheckpointException e = assertThrows(CheckpointException.class, store::latest);
        assertEquals(dir.resolve("latest") + " names step-000042, but " + dir.resolve("step-000042")
                + " does not exist", e.getMessage());
        Files.writeString(dir.resolve("latest"), "../etc\n");
        CheckpointException bad = assertThrows(CheckpointException.class, store::latest);
        assertEquals(dir.resolve("latest") + " should name a step directory (step-NNNNNN), but holds \"../etc\"",
                bad.getMessage());
        Files.writeString(dir.resolve("latest"), "step-000001\n");
        Files.delete(dir.resolve("step-000001/manifest.json"));
        CheckpointException noManifest = assertThrows(CheckpointException.class, store::latest);
        assertEquals(dir.resolve("latest") + " names step-000001, but " + dir.resolve("step-000001/manifest.json")
                + " does not exist", noManifest.getMessage());
    }

    @Test
    void malformedOrOrphanChecksumSidecarsAreNotTrustedNorKept() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        Path tmp = store.beginSave(1);
        TinyModel.writeAllRanks(tmp, TP2_DP2, ChannelOpener.DEFAULT);
        for (String f : List.of("model-tp00-of-02.safetensors", "optim-tp01-dp001.safetensors")) {
            assertEquals(org.llemma4j.checkpoint.io.Checksums.crc32c(tmp.resolve(f)),
                    Files.readString(tmp.resolve(f + ".crc32c")), "each rank checksums what it wrote");
        }
        Files.writeString(tmp.resolve("model-tp01-of-02.safetensors.crc32c"), "garbage");
        Files.writeString(tmp.resolve("optim-tp09-dp000.safetensors.crc32c"), "0000beef");
        store.commit(tmp, TinyModel.state(1, TP2_DP2));
        Path step = store.latest().orElseThrow();
        store.verify(step);                     // the malformed sidecar was replaced by a real checksum
        try (Stream<Path> s = Files.list(step)) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".crc32c")), "no sidecar survives the commit");
        }
    }

    @Test
    void verifyNamesTheFileWhoseChecksumOrSizeIsWrong() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 3, TP2_DP2);
        Path step = store.latest().orElseThrow();
        Path f = step.resolve("optim-tp01-dp000.safetensors");
        byte[] b = Files.readAllBytes(f);
        String crc = store.readManifest(step).files().get("optim-tp01-dp000.safetensors").crc32c();
        b[b.length - 1] ^= 1;
        Files.write(f, b);
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.verify(step));
        assertTrue(e.getMessage().startsWith(f + ": CRC-32C "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" does not match the manifest's " + crc), e.getMessage());

        Files.write(f, new byte[] {1});
        CheckpointException size = assertThrows(CheckpointException.class, () -> store.verify(step));
        assertEquals(f + ": 1 bytes, the manifest says " + b.length, size.getMessage());

        Files.delete(f);
        CheckpointException missing = assertThrows(CheckpointException.class, () -> store.verify(step));
        assertEquals(f + ": listed in the manifest but missing", missing.getMessage());
    }

    @Test
    void coverageErrorsNameTheTensorAndTheFiles() {
        long[] shape = {4, 2};
        CheckpointException overlap = assertThrows(CheckpointException.class, () -> IndexBuilder.checkCoverage("w",
                new TensorEntry("F32", shape, ShardDim.ROWS, List.of(new SliceLocation("a", "w", 0, 2, 0, 4),
                        new SliceLocation("b", "w", 1, 2, 0, 4)))));
        assertEquals("tensor w: [1, 2) is held twice (b, a) of dimension 0", overlap.getMessage());
        CheckpointException missing = assertThrows(CheckpointException.class, () -> IndexBuilder.checkCoverage("w",
                new TensorEntry("F32", shape, ShardDim.ROWS, List.of(new SliceLocation("a", "w", 0, 2, 0, 3),
                        new SliceLocation("b", "w", 2, 2, 0, 4)))));
        assertEquals("tensor w: block [0, 2) misses elements [3, 4) (after a)", missing.getMessage());
        CheckpointException twice = assertThrows(CheckpointException.class, () -> IndexBuilder.checkCoverage("w",
                new TensorEntry("F32", shape, ShardDim.ROWS, List.of(new SliceLocation("a", "w", 0, 4, 0, 5),
                        new SliceLocation("b", "w", 0, 4, 4, 4)))));
        assertEquals("tensor w: block [0, 4) has elements [4, 5) twice (b)", twice.getMessage());
        CheckpointException lengths = assertThrows(CheckpointException.class, () -> IndexBuilder.checkCoverage("w",
                new TensorEntry("F32", shape, ShardDim.ROWS, List.of(new SliceLocation("a", "w", 0, 4, 0, 4),
                        new SliceLocation("b", "w", 0, 2, 4, 4)))));
        assertEquals("tensor w: block at 0 has length 2 in b but 4 in a", lengths.getMessage());
    }

    @Test
    void writersRefuseBlocksOfTheWrongShape() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        Path tmp = store.beginSave(1);
        ShardWriter w = new ShardWriter(tmp, new ParallelLayout(2, 1, 0));
        try (PointerScope scope = new PointerScope()) {
            ParamSpec p = TinyModel.PARAMS.get(0);
            CheckpointException e = assertThrows(CheckpointException.class, () -> w.writeModel(0,
                    List.of(new ShardedTensor(p, TinyModel.full(0)))));
            assertEquals(tmp.resolve("model-tp00-of-02.safetensors") + ": tensor model.embed_tokens.weight of "
                    + "global shape [8, 4] split by ROWS over tp 2 needs a block of shape [4, 4], got [8, 4]",
                    e.getMessage());
            CheckpointException odd = assertThrows(CheckpointException.class, () -> new ShardWriter(tmp,
                    new ParallelLayout(3, 1, 0)).writeModel(0, List.of(new ShardedTensor(p, TinyModel.full(0)))));
            assertEquals("tensor model.embed_tokens.weight of shape [8, 4]: dimension 0 of size 8 is not divisible"
                    + " by tp 3", odd.getMessage());
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "nothing written");
        }
    }

    @Test
    void commitRefusesForeignAndInconsistentFiles() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        Path tmp = store.beginSave(1);
        TinyModel.writeAllRanks(tmp, new ParallelLayout(1, 1, 0), ChannelOpener.DEFAULT);
        Path foreign = tmp.resolve("extra.safetensors");
        try (var w = org.llemma4j.checkpoint.safetensors.SafetensorsWriter.create(foreign, List.of(), Map.of())) {
            w.finish();
        }
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> store.commit(tmp, TinyModel.state(1, new ParallelLayout(1, 1, 0))));
        assertEquals(foreign + ": no llemma4j.slices metadata; not a checkpoint data file", e.getMessage());
        Files.delete(foreign);

        // A second model file claiming another shape for the same tensor.
        try (PointerScope scope = new PointerScope()) {
            new ShardWriter(tmp, new ParallelLayout(2, 1, 0)).writeModel(1, List.of(new ShardedTensor(
                    new ParamSpec("model.embed_tokens.weight", new long[] {16, 4}, ShardDim.ROWS),
                    TestTensors.arange(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16, 0, 8, 4))));
        }
        CheckpointException shape = assertThrows(CheckpointException.class,
                () -> store.commit(tmp, TinyModel.state(1, new ParallelLayout(1, 1, 0))));
        assertEquals(tmp.resolve("model-tp01-of-02.safetensors") + ": tensor model.embed_tokens.weight is "
                + "BF16[16, 4] ROWS here but BF16[8, 4] ROWS in model-tp00-of-01.safetensors", shape.getMessage());
        assertEquals(Optional.empty(), store.latest());
    }

    @Test
    void optimizerPiecesOfTheWrongSizeAreRefused() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        Path tmp = store.beginSave(1);
        ShardWriter w = new ShardWriter(tmp, new ParallelLayout(1, 1, 0));
        try (PointerScope scope = new PointerScope()) {
            ParamSpec norm = TinyModel.PARAMS.get(3);
            var four = TestTensors.arange(org.bytedeco.pytorch.global.torch.ScalarType.Float, 0, 4);
            var three = TestTensors.arange(org.bytedeco.pytorch.global.torch.ScalarType.Float, 0, 3);
            CheckpointException past = assertThrows(CheckpointException.class, () -> w.writeOptimizer(0, 0,
                    List.of(new OptimizerPiece(norm, 2, four, four, four))));
            assertEquals(tmp.resolve("optim-tp00-dp000.safetensors") + ": optimizer piece of "
                    + "model.layers.0.input_layernorm.weight covers elements [2, 6) of a block of 4",
                    past.getMessage());
            CheckpointException len = assertThrows(CheckpointException.class, () -> w.writeOptimizer(0, 0,
                    List.of(new OptimizerPiece(norm, 0, four, three, four))));
            assertEquals(tmp.resolve("optim-tp00-dp000.safetensors") + ": tensor "
                    + "optim/model.layers.0.input_layernorm.weight/exp_avg must be 1-D of 4 elements, got shape [3]",
                    len.getMessage());
            CheckpointException cut = assertThrows(CheckpointException.class, () -> OptimizerPiece.cut(
                    TinyModel.PARAMS, 1, 0, four, three, four));
            assertEquals("optimizer shard buffers differ in length: master 4, exp_avg 3, exp_avg_sq 4",
                    cut.getMessage());
        }
    }
}
