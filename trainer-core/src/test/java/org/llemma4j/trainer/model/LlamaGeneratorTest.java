package org.llemma4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.tp.UnconnectedPlan;

/** The cached inference path against the training model's full forward, on a random model. */
class LlamaGeneratorTest {

    // GQA (4 heads over 2 KV heads), partial RoPE, untied output; init std 0.3 so that logits are far from ties
    private static final LlamaConfig CONFIG = LlamaConfig.builder().numLayers(2).hiddenSize(32).numHeads(4)
            .numKvHeads(2).intermediateSize(48).vocabSize(40).maxPositions(32).rotaryPct(0.5).initStd(0.3).build();
    private static final int[] PROMPT = {3, 17, 5, 39, 0, 22};

    /**
     * Feeding the prompt in pieces (3 + 2 + 1 tokens, then single tokens) through the cache gives, at every
     * position, the logits of Llama.forward over the whole sequence: to 1e-12 of the logit scale in fp64 (only the
     * summation order differs), 1e-5 in fp32. Pieces of several tokens after cached ones need the causal mask
     * shifted by the cached length, which each kernel builds its own way.
     */
    @ParameterizedTest
    @CsvSource({"Double, MATMUL, 1e-12", "Float, MATMUL, 1e-5", "Double, SDPA, 1e-12", "Float, SDPA_FP32, 1e-5"})
    void cachedLogitsMatchTheFullForwardAtEveryPosition(ScalarType dtype, AttentionKernel kernel, double tol) {
        int[] ids = {3, 17, 5, 39, 0, 22, 8, 8, 31};
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, dtype, kernel, 11);
             KvCache cache = new KvCache(CONFIG, ids.length)) {
            double[] full = Tensors.toDoubles(model.forward(Tensors.longTensor(ids, 1, ids.length)));
            List<Double> cached = new ArrayList<>();
            int[] pieces = {3, 2, 1, 1, 1, 1};
            int at = 0;
            for (int piece : pieces) {
                int[] chunk = java.util.Arrays.copyOfRange(ids, at, at + piece);
                for (double v : Tensors.toDoubles(model.forward(Tensors.longTensor(chunk, 1, piece), cache))) {
                    cached.add(v);
                }
                at += piece;
                assertEquals(at, cache.length());
            }
            assertClose(full, cached.stream().mapToDouble(Double::doubleValue).toArray(), tol);
        }
    }

    /** Greedy decoding through the cache picks, in fp64, the ids of recomputing the whole prefix at every step. */
    @Test
    void greedyWithCacheEqualsGreedyRecomputingThePrefix() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Double, AttentionKernel.MATMUL, 3)) {
            LlamaGenerator generator = new LlamaGenerator(model);
            int[] cached = generator.generate(PROMPT, GenerationSettings.greedy(20), id -> { });
            assertArrayEquals(greedyWithoutCache(model, PROMPT, 20), cached);
            assertTrue(java.util.Arrays.stream(cached).distinct().count() > 1, "a degenerate model: "
                    + java.util.Arrays.toString(cached));
        }
    }

    static int[] greedyWithoutCache(Llama model, int[] prompt, int newTokens) {
        int[] ids = java.util.Arrays.copyOf(prompt, prompt.length + newTokens);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int n = prompt.length; n < ids.length; n++) {
                try (PointerScope step = new PointerScope()) {
                    Tensor logits = model.forward(Tensors.longTensor(java.util.Arrays.copyOf(ids, n), 1, n));
                    ids[n] = TokenSampler.argmax(Tensors.toFloats(logits.select(1, n - 1).select(0, 0)));
                }
            }
        }
        return java.util.Arrays.copyOfRange(ids, prompt.length, ids.length);
    }

    @Test
    void samplingIsReproducibleBySeedAndStopsAtEos() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.MATMUL, 3)) {
            LlamaGenerator generator = new LlamaGenerator(model);
            GenerationSettings s1 = new GenerationSettings(15, 1.5, 0.95, 1, -1);
            int[] a = generator.generate(PROMPT, s1, id -> { });
            assertArrayEquals(a, generator.generate(PROMPT, s1, id -> { }));
            assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(
                    generator.generate(PROMPT, new GenerationSettings(15, 1.5, 0.95, 2, -1), id -> { })));
            // stop at the first id as if it were EOS: exactly one token comes back
            int[] first = generator.generate(PROMPT, new GenerationSettings(15, 1.5, 0.95, 1, a[0]), id -> { });
            assertArrayEquals(new int[] {a[0]}, first);
            List<Integer> streamed = new ArrayList<>();
            int[] greedy = generator.generate(PROMPT, GenerationSettings.greedy(5), streamed::add);
            assertEquals(List.of(greedy[0], greedy[1], greedy[2], greedy[3], greedy[4]), streamed);
        }
    }

    @Test
    void aFullCacheAndATooLargeOneAreRefused() {
        IllegalArgumentException large = assertThrows(IllegalArgumentException.class, () -> new KvCache(CONFIG, 33));
        assertEquals("a key-value cache of 33 positions does not fit max_position_embeddings 32", large.getMessage());
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, TensorParallelPlan.SINGLE, ScalarType.Float, AttentionKernel.MATMUL, 3);
             KvCache cache = new KvCache(CONFIG, 4)) {
            model.forward(Tensors.longTensor(new int[] {1, 2, 3}, 1, 3), cache);
            IllegalStateException full = assertThrows(IllegalStateException.class,
                    () -> model.forward(Tensors.longTensor(new int[] {4, 5}, 1, 2), cache));
            assertEquals("key-value cache full: 3 + 2 positions exceed its capacity 4", full.getMessage());
        }
    }

    @Test
    void oneTensorParallelRankOfAModelCannotGenerate() {
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(CONFIG, new UnconnectedPlan(2), ScalarType.Float, AttentionKernel.MATMUL, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LlamaGenerator(model));
            assertEquals("generation needs the whole model: the embedding has 20 rows, the vocabulary 40",
                    e.getMessage());
        }
    }

    @Test
    void badPromptsAreRejectedWithMessages() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> LlamaGenerator.checkPrompt(CONFIG, new int[0], 4));
        assertEquals("the prompt is empty: generation needs at least one token", empty.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> LlamaGenerator.checkPrompt(CONFIG, new int[] {1, 40}, 4));
        assertEquals("token id 40 at prompt position 1 is outside the model's vocabulary 0..39", unknown.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> LlamaGenerator.checkPrompt(CONFIG, new int[] {-1}, 4));
        assertTrue(negative.getMessage().startsWith("token id -1 at prompt position 0"), negative.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> LlamaGenerator.checkPrompt(CONFIG, new int[30], 3));
        assertEquals("a prompt of 30 tokens plus 3 new ones exceeds max_position_embeddings 32", tooLong.getMessage());
        IllegalArgumentException topP = assertThrows(IllegalArgumentException.class,
                () -> new GenerationSettings(4, 1, 0, 0, -1));
        assertEquals("top-p must be in (0, 1], got 0.0", topP.getMessage());
        IllegalArgumentException temperature = assertThrows(IllegalArgumentException.class,
                () -> new GenerationSettings(4, -0.5, 1, 0, -1));
        assertEquals("temperature must be >= 0 (0 is greedy), got -0.5", temperature.getMessage());
    }

    @Test
    void topPKeepsOnlyTheNucleus() {
        // probabilities ~ 0.64, 0.24, 0.09, 0.03: top-p 0.7 keeps the first two, so ids 2 and 3 never come
        float[] logits = {3, 2, 1, 0};
        TokenSampler sampler = new TokenSampler(new GenerationSettings(1, 1, 0.7, 9, -1));
        int[] counts = new int[4];
        for (int i = 0; i < 2000; i++) {
            counts[sampler.next(logits)]++;
        }
        assertEquals(0, counts[2] + counts[3], java.util.Arrays.toString(counts));
        assertTrue(counts[1] > 300 && counts[0] > counts[1], java.util.Arrays.toString(counts));
        TokenSampler greedy = new TokenSampler(GenerationSettings.greedy(1));
        assertEquals(1, greedy.next(new float[] {0, 5, 5, 1}), "ties go to the lowest id");
    }

    private static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, "logit count");
        double scale = 1;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * scale, "logit " + i);
        }
    }
}
