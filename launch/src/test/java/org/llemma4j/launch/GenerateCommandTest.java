package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.LrState;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.ShardWriter;
import org.llemma4j.checkpoint.ShardedTensor;
import org.llemma4j.parallel.device.CudaProbe;
import org.llemma4j.trainer.model.GenerationSettings;
import org.llemma4j.trainer.model.KvCache;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaGenerator;
import org.llemma4j.trainer.model.TokenSampler;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.runtime.model.GenerationModel;
import org.llemma4j.runtime.model.HfModels;

/**
 * {@code launch generate} on the stories260K fixture (a 260K-parameter Llama trained on TinyStories: vocab 512,
 * 5 layers, 8 heads over 4 KV heads, tied embeddings), in fp32 on the CPU.
 */
class GenerateCommandTest {

    private static final Path FIXTURES = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"));
    private static final Path STORIES = FIXTURES.resolve("hf-llama/stories260K-gqa");
    private static final Path LLAMA2_SPM = FIXTURES.resolve("tokenizers/llama2-spm/tokenizer.model");
    private static final int[] PROMPT = {1, 403, 407, 261, 378, 365, 288, 9, 77};
    private static final String PROMPT_IDS = Arrays.stream(PROMPT).mapToObj(Integer::toString)
            .collect(Collectors.joining(" "));

    /**
     * fp32 tolerance for the cached logits against the full forward, relative to the largest |logit|: both sum the
     * same products in a different order (matmuls over 1 vs T rows, masked vs unmasked softmax), so they differ by
     * a few ulps per layer. Measured: 1.7e-5 absolute on logits up to 17.2, i.e. 1e-6 of the scale; 1e-5 leaves a
     * margin of 10x.
     */
    private static final double LOGIT_TOL = 1e-5;

    @TempDir
    static Path tmp;

    private static int[] cachedGreedy;

    @BeforeAll
    static void greedyThroughTheCache() throws IOException {
        try (PointerScope scope = new PointerScope();
             Llama model = GenerationModel.load(GenerationModel.huggingFace(STORIES), ScalarType.Float)) {
            cachedGreedy = new LlamaGenerator(model).generate(PROMPT, GenerationSettings.greedy(40), id -> { });
        }
    }

    @Test
    void greedyWithTheCacheEqualsGreedyRecomputingTheWholePrefix() throws IOException {
        int[] ids = Arrays.copyOf(PROMPT, PROMPT.length + 40);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard();
             Llama model = GenerationModel.load(GenerationModel.huggingFace(STORIES), ScalarType.Float)) {
            for (int n = PROMPT.length; n < ids.length; n++) {
                try (PointerScope step = new PointerScope()) {
                    Tensor logits = model.forward(Tensors.longTensor(Arrays.copyOf(ids, n), 1, n));
                    ids[n] = TokenSampler.argmax(Tensors.toFloats(logits.select(1, n - 1).select(0, 0)));
                }
            }
        }
        assertArrayEquals(Arrays.copyOfRange(ids, PROMPT.length, ids.length), cachedGreedy);
        assertTrue(Arrays.stream(cachedGreedy).distinct().count() > 5, "a trained model writes varied text: "
                + Arrays.toString(cachedGreedy));
    }

    @Test
    void cachedLogitsOfTheLastPositionMatchTheFullForward() throws IOException {
        int[] ids = Arrays.copyOf(PROMPT, PROMPT.length + cachedGreedy.length);
        System.arraycopy(cachedGreedy, 0, ids, PROMPT.length, cachedGreedy.length);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard();
             Llama model = GenerationModel.load(GenerationModel.huggingFace(STORIES), ScalarType.Float);
             KvCache cache = new KvCache(model.config(), ids.length)) {
            // the prompt at once, then one token at a time, as generation runs
            model.forward(Tensors.longTensor(PROMPT, 1, PROMPT.length), cache);
            Tensor last = null;
            for (int n = PROMPT.length; n < ids.length; n++) {
                last = model.forward(Tensors.longTensor(new int[] {ids[n]}, 1, 1), cache);
            }
            float[] cached = Tensors.toFloats(last);
            float[] full = Tensors.toFloats(model.forward(Tensors.longTensor(ids, 1, ids.length))
                    .select(1, ids.length - 1));
            assertEquals(512, cached.length);
            double scale = 1;
            for (float f : full) {
                scale = Math.max(scale, Math.abs(f));
            }
            for (int i = 0; i < full.length; i++) {
                assertEquals(full[i], cached[i], LOGIT_TOL * scale, "logit " + i + " of position " + (ids.length - 1));
            }
        }
    }

    @Test
    void theCommandPrintsTheGreedyIdsDeterministically() {
        String[] args = {"generate", "--hf", STORIES.toString(), "--prompt-ids", PROMPT_IDS, "--max-new-tokens", "40",
            "--temperature", "0", "--eos-id", "-1", "--print-ids"};
        LaunchRun first = LaunchRun.of(args);
        assertEquals(0, first.status(), first.err());
        assertEquals(ids(cachedGreedy), first.out().strip());
        assertTrue(first.err().contains("9 prompt + 40 new tokens in"), first.err());
        LaunchRun second = LaunchRun.of(args);
        assertEquals(first.out(), second.out());
    }

    @Test
    void deviceCpuPrintsTheSameIds() {
        LaunchRun r = LaunchRun.of("generate", "--hf", STORIES.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", "40", "--eos-id", "-1", "--print-ids", "--device", "cpu");
        assertEquals(0, r.status(), r.err());
        assertEquals(ids(cachedGreedy), r.out().strip());
        assertTrue(r.err().contains(" on cpu in "), r.err());
    }

    @Test
    void deviceCudaOnTheCpuBuildAsksForTheCudaBuild() {
        Assumptions.assumeFalse(CudaProbe.detect().nativesBuilt(), "this build has the CUDA natives");
        LaunchRun r = LaunchRun.of("generate", "--hf", STORIES.toString(), "--prompt-ids", PROMPT_IDS,
                "--max-new-tokens", "4", "--device", "cuda");
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals("", r.out());
        String err = r.err().strip();
        assertTrue(err.startsWith("launch generate: device cuda was requested, but this build loads libtorch's CPU "
                + "natives ("), err);
        assertTrue(err.contains("which cannot use a GPU: rebuild with -Pcuda"), err);
        assertEquals(1, err.lines().count(), "one line, no stack trace: " + err);
    }

    @Test
    void samplingDependsOnTheSeedOnly() {
        List<String> outs = new ArrayList<>();
        for (String seed : new String[] {"1", "1", "2"}) {
            LaunchRun r = LaunchRun.of("generate", "--hf", STORIES.toString(), "--prompt-ids", PROMPT_IDS,
                    "--max-new-tokens", "30", "--temperature", "1.0", "--top-p", "0.9", "--seed", seed,
                    "--eos-id", "-1");
            assertEquals(0, r.status(), r.err());
            outs.add(r.out());
        }
        assertEquals(outs.get(0), outs.get(1));
        assertTrue(!outs.get(0).equals(outs.get(2)), "seeds 1 and 2 gave the same 30 tokens: " + outs.get(0));
    }

    @Test
    void aCheckpointOfTheSameWeightsGeneratesTheSameIds() throws IOException {
        Path save = tmp.resolve("save");
        CheckpointStore store = new CheckpointStore(save);
        Map<String, Object> config = new java.util.LinkedHashMap<>(HfModels.readConfig(STORIES).model().toNeoxKeys());
        config.put("train_iters", 10);            // a resolved config holds more than the model; it is ignored
        try (PointerScope scope = new PointerScope();
             Llama model = GenerationModel.load(GenerationModel.huggingFace(STORIES), ScalarType.Float)) {
            Path temp = store.beginSave(7);
            List<ShardedTensor> weights = new ArrayList<>();
            for (Param p : model.parameters().params()) {
                weights.add(new ShardedTensor(p.spec(), p.value().detach()));
            }
            ParallelLayout layout = new ParallelLayout(1, 1, 0);
            new ShardWriter(temp, layout).writeModel(0, weights);
            store.commit(temp, Manifest.forSave(7, 0, new LrState(7, 1e-4, 1e-4, 1e-5, 0, 10, "cosine"), Map.of(),
                    config, layout));
        }
        for (Path load : new Path[] {save, store.stepDir(7)}) {
            LaunchRun r = LaunchRun.of("generate", "--load", load.toString(), "--prompt-ids", PROMPT_IDS,
                    "--max-new-tokens", "40", "--eos-id", "-1", "--print-ids");
            assertEquals(0, r.status(), r.err());
            assertEquals(ids(cachedGreedy), r.out().strip(), "from " + load);
        }
    }

    @Test
    void badInputsAreUsageErrorsWithMessages() {
        String hf = STORIES.toString();
        assertUsage("no model given: --load DIR (a checkpoint) or --hf DIR (a Hugging Face model directory)",
                "generate", "--prompt-ids", "1 2");
        assertUsage("--load and --hf are alternatives: give one model",
                "generate", "--load", hf, "--hf", hf, "--prompt-ids", "1 2");
        assertUsage("no prompt given: --prompt TEXT (with --tokenizer) or --prompt-ids \"1 450 ...\"",
                "generate", "--hf", hf);
        assertUsage("token id 512 at prompt position 1 is outside the model's vocabulary 0..511",
                "generate", "--hf", hf, "--prompt-ids", "1 512 3");
        assertUsage("the prompt is empty: generation needs at least one token",
                "generate", "--hf", hf, "--prompt-ids", " ");
        assertUsage("the prompt is empty: generation needs at least one token",
                "generate", "--hf", hf, "--prompt", "", "--tokenizer", LLAMA2_SPM.toString());
        assertUsage("--prompt needs --tokenizer (tokenizer.model or tokenizer.json) to encode it; or give --prompt-ids",
                "generate", "--hf", hf, "--prompt", "Once upon a time");
        assertUsage("--prompt-ids must be integers separated by spaces, got 'x'",
                "generate", "--hf", hf, "--prompt-ids", "1 x");
        assertUsage("tokenizer " + LLAMA2_SPM + " has 32000 ids but the model's vocabulary has 512: not this "
                + "model's tokenizer", "generate", "--hf", hf, "--prompt", "Once upon a time",
                "--tokenizer", LLAMA2_SPM.toString());
        assertUsage("a prompt of 9 tokens plus 600 new ones exceeds max_position_embeddings 512",
                "generate", "--hf", hf, "--prompt-ids", PROMPT_IDS, "--max-new-tokens", "600");
        assertUsage("--device must be one of auto, cpu, cuda, got 'gpu'",
                "generate", "--hf", hf, "--prompt-ids", "1 2", "--device", "gpu");
        assertUsage("top-p must be in (0, 1], got 1.5",
                "generate", "--hf", hf, "--prompt-ids", PROMPT_IDS, "--top-p", "1.5", "--temperature", "1");
    }

    @Test
    void aDirectoryWithoutACheckpointIsAUsageError() {
        Path none = tmp.resolve("nothing-here");
        assertUsage("no checkpoint in " + none + ": it has neither a 'latest' file nor a manifest.json",
                "generate", "--load", none.toString(), "--prompt-ids", "1 2");
        assertUsage(tmp + " is not a Hugging Face model directory: it has no config.json",
                "generate", "--hf", tmp.toString(), "--prompt-ids", "1 2");
    }

    private static void assertUsage(String message, String... args) {
        LaunchRun r = LaunchRun.of(args);
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals("launch generate: " + message, r.err().strip());
    }

    private static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
