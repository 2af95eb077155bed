package org.llemma4j.runtime.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * The Hugging Face oracle: the stories260K GQA fixture imported into our {@link Llama} gives the same logits as an
 * independent fp64 forward written here in plain Java arrays, straight from the bytes of {@code model.safetensors}
 * (its own header parsing: nothing of the checkpoint module or trainer-core is used on that side).
 */
class HfOracleTest {

    private static final Path STORIES = Path.of(System.getProperty("fixtures.dir", "../../shared/fixtures"),
            "hf-llama", "stories260K-gqa");

    /** A fixed sequence: BOS, then tokens from a fixed LCG over the 512-token vocabulary. */
    private static int[] tokens(int length) {
        int[] t = new int[length];
        t[0] = 1;
        long state = 12345;
        for (int i = 1; i < length; i++) {
            state = (state * 6364136223846793005L + 1442695040888963407L);
            t[i] = (int) ((state >>> 33) % 512);
        }
        return t;
    }

    /**
     * fp64 model. The only fp32 values on our side are the RoPE cos/sin tables (RotaryEmbedding keeps them in
     * fp32), each within 2^-24 (6e-8) relative of the exact value. Through 5 layers of attention (softmax amplifies
     * score errors) that puts the logits, of order 15, within ~5e-6 of the exact forward (measured 4.6e-6), so the
     * tolerance is 2e-5. That the table rounding is the whole difference is checked by the next test: the oracle
     * with its cos/sin rounded to fp32 the same way agrees to 1e-10. Any real mistake (a wrong RoPE pairing, a KV
     * head mapped to the wrong query heads, a missing residual, an untied output, a misplaced norm epsilon) moves
     * the logits by 1e-3 or more (see {@link #theOracleNoticesAWrongKvMapping}).
     */
    @Test
    void fp64LogitsMatchTheIndependentForward() throws Exception {
        int[] tokens = tokens(40);
        double[] expected = new Oracle(STORIES).logits(tokens);
        double[] actual = ourLogits(tokens, ScalarType.Double);
        double maxAbs = maxAbs(expected);
        assertTrue(maxAbs > 1, "the logits are not trivial: " + maxAbs);
        double diff = maxDiff(expected, actual);
        assertTrue(diff < 2e-5, "max |ours - oracle| = " + diff + " (logits up to " + maxAbs + ")");
    }

    @Test
    void fp64LogitsMatchTheOracleWithFp32RopeTablesToRoundoff() throws Exception {
        int[] tokens = tokens(40);
        Oracle oracle = new Oracle(STORIES);
        oracle.fp32Tables = true;
        double diff = maxDiff(oracle.logits(tokens), ourLogits(tokens, ScalarType.Double));
        assertTrue(diff < 1e-10, "max |ours - oracle with fp32 tables| = " + diff);
    }

    /**
     * fp32 model (matmuls, norms and softmax in fp32): unit roundoff 6e-8 per operation, accumulated over sums of
     * 64-172 terms and 5 layers; measured 4.9e-5 on logits of order 15, so the tolerance is 2e-4.
     */
    @Test
    void fp32LogitsMatchTheIndependentForwardToFp32Precision() throws Exception {
        int[] tokens = tokens(40);
        double[] expected = new Oracle(STORIES).logits(tokens);
        double diff = maxDiff(expected, ourLogits(tokens, ScalarType.Float));
        assertTrue(diff < 2e-4, "max |ours - oracle| = " + diff);
    }

    /**
     * Linear RoPE scaling, factor 4, spelled the transformers 5 way ({@code rope_parameters}, no top-level
     * {@code rope_theta}): our model, its config read by {@code HfLlamaConfig} through {@code launch generate}'s
     * loader, gives the logits of the oracle, which divides every position by the factor it reads from the file
     * itself. The tolerances are those of the unscaled fp64 tests, for the same reason: the fp32 RoPE tables are the
     * whole difference (to 1e-10 with the oracle's tables rounded alike). Without the factor the logits move by far
     * more than that, so the test fails if the scaling is lost anywhere.
     */
    @Test
    void linearlyScaledRopeLogitsMatchTheIndependentForward(@TempDir Path tmp) throws Exception {
        Path scaled = scaledCopy(tmp, 4.0);
        int[] tokens = tokens(40);
        Oracle oracle = new Oracle(scaled);
        assertEquals(4.0, oracle.scaling);
        double[] expected = oracle.logits(tokens);
        double[] actual = loadedLogits(scaled, tokens);
        double diff = maxDiff(expected, actual);
        assertTrue(diff < 2e-5, "max |ours - oracle| = " + diff);
        oracle.fp32Tables = true;
        double roundoff = maxDiff(oracle.logits(tokens), actual);
        assertTrue(roundoff < 1e-10, "max |ours - oracle with fp32 tables| = " + roundoff);
        double unscaled = maxDiff(expected, new Oracle(STORIES).logits(tokens));
        assertTrue(unscaled > 1e-2, "scaling changes the logits: " + unscaled);
    }

    /** The fixture's weights with a config that scales RoPE linearly by {@code factor}, in rope_parameters only. */
    private static Path scaledCopy(Path tmp, double factor) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(STORIES.resolve("config.json").toFile());
        ObjectNode rope = json.createObjectNode();
        rope.put("rope_theta", config.remove("rope_theta").asDouble());
        rope.put("rope_type", "linear");
        rope.put("factor", factor);
        config.set("rope_parameters", rope);
        Path dir = Files.createDirectories(tmp.resolve("scaled"));
        json.writeValue(dir.resolve("config.json").toFile(), config);
        Files.copy(STORIES.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    private static double[] loadedLogits(Path dir, int[] tokens) throws Exception {
        try (PointerScope scope = new PointerScope();
             Llama model = GenerationModel.load(GenerationModel.huggingFace(dir), ScalarType.Double);
             NoGradGuard noGrad = new NoGradGuard()) {
            return Tensors.toDoubles(model.forward(Tensors.longTensor(tokens, 1, tokens.length)));
        }
    }

    @Test
    void theOracleNoticesAWrongKvMapping() throws Exception {
        // The test's own sanity: a model whose KV heads are swapped is far from the oracle.
        int[] tokens = tokens(16);
        Oracle oracle = new Oracle(STORIES);
        double[] expected = oracle.logits(tokens);
        oracle.swapKvHeads = true;
        assertTrue(maxDiff(expected, oracle.logits(tokens)) > 1e-3);
    }

    private static double[] ourLogits(int[] tokens, ScalarType dtype) throws Exception {
        JsonNode c = new ObjectMapper().readTree(STORIES.resolve("config.json").toFile());
        LlamaConfig config = LlamaConfig.builder().numLayers(c.get("num_hidden_layers").asInt())
                .hiddenSize(c.get("hidden_size").asInt()).numHeads(c.get("num_attention_heads").asInt())
                .numKvHeads(c.get("num_key_value_heads").asInt()).intermediateSize(c.get("intermediate_size").asInt())
                .vocabSize(c.get("vocab_size").asInt()).maxPositions(c.get("max_position_embeddings").asInt())
                .normEps(c.get("rms_norm_eps").asDouble()).ropeBase(c.get("rope_theta").asDouble())
                .tieEmbeddings(c.get("tie_word_embeddings").asBoolean()).build();
        try (PointerScope scope = new PointerScope();
             Llama model = new Llama(config, TensorParallelPlan.SINGLE, dtype, AttentionKernel.SDPA, 7);
             HfDirectory hf = HfModels.open(STORIES, HfModels.readConfig(STORIES));
             NoGradGuard noGrad = new NoGradGuard()) {
            assertEquals(47, model.parameters().params().size());
            for (Param p : model.parameters().params()) {
                model.parameters().get(p.name()).detach().copy_(hf.tensor(p.name()));
            }
            Tensor logits = model.forward(Tensors.longTensor(tokens, 1, tokens.length));
            assertEquals(dtype, Tensors.dtype(logits));
            return Tensors.toDoubles(logits);
        }
    }

    private static double maxDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** A Llama forward in fp64 over plain arrays, from the fixture's bytes. */
    static final class Oracle {
        final int hidden;
        final int layers;
        final int heads;
        final int kvHeads;
        final int ffn;
        final int vocab;
        final double eps;
        final double theta;
        final double scaling;
        final Map<String, double[]> w = new HashMap<>();
        boolean swapKvHeads;
        boolean fp32Tables;

        Oracle(Path dir) throws Exception {
            JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            hidden = c.get("hidden_size").asInt();
            layers = c.get("num_hidden_layers").asInt();
            heads = c.get("num_attention_heads").asInt();
            kvHeads = c.get("num_key_value_heads").asInt();
            ffn = c.get("intermediate_size").asInt();
            vocab = c.get("vocab_size").asInt();
            eps = c.get("rms_norm_eps").asDouble();
            // either transformers spelling: rope_theta and rope_scaling, or rope_parameters
            JsonNode parameters = c.get("rope_parameters");
            theta = c.has("rope_theta") ? c.get("rope_theta").asDouble() : parameters.get("rope_theta").asDouble();
            JsonNode scalingNode = parameters != null ? parameters : c.get("rope_scaling");
            scaling = scalingNode != null && scalingNode.has("factor") ? scalingNode.get("factor").asDouble() : 1.0;
            assertTrue(c.get("tie_word_embeddings").asBoolean());
            readSafetensors(dir.resolve("model.safetensors"));
        }

        private void readSafetensors(Path file) throws Exception {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            int headerLength = (int) bytes.getLong(0);
            JsonNode header = new ObjectMapper().readTree(new String(bytes.array(), 8, headerLength,
                    StandardCharsets.UTF_8));
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                assertEquals("F32", e.getValue().get("dtype").asText(), e.getKey());
                long begin = e.getValue().get("data_offsets").get(0).asLong();
                long end = e.getValue().get("data_offsets").get(1).asLong();
                double[] values = new double[(int) ((end - begin) / 4)];
                for (int i = 0; i < values.length; i++) {
                    values[i] = bytes.getFloat((int) (8 + headerLength + begin + 4L * i));
                }
                w.put(e.getKey(), values);
            }
        }

        /** (T) tokens -> (T, vocab) logits, row-major. */
        double[] logits(int[] tokens) {
            int t = tokens.length;
            int hd = hidden / heads;
            double[] emb = w.get("model.embed_tokens.weight");
            double[][] x = new double[t][hidden];
            for (int i = 0; i < t; i++) {
                System.arraycopy(emb, tokens[i] * hidden, x[i], 0, hidden);
            }
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                double[][] h = rmsNorm(x, w.get(p + "input_layernorm.weight"));
                double[][] q = linear(h, w.get(p + "self_attn.q_proj.weight"), heads * hd);
                double[][] k = linear(h, w.get(p + "self_attn.k_proj.weight"), kvHeads * hd);
                double[][] v = linear(h, w.get(p + "self_attn.v_proj.weight"), kvHeads * hd);
                rope(q, heads, hd);
                rope(k, kvHeads, hd);
                double[][] merged = new double[t][heads * hd];
                for (int head = 0; head < heads; head++) {
                    int kv = head / (heads / kvHeads);
                    if (swapKvHeads) {
                        kv = kvHeads - 1 - kv;
                    }
                    for (int i = 0; i < t; i++) {
                        double[] scores = new double[i + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= i; j++) {
                            double s = 0;
                            for (int d = 0; d < hd; d++) {
                                s += q[i][head * hd + d] * k[j][kv * hd + d];
                            }
                            scores[j] = s / Math.sqrt(hd);
                            max = Math.max(max, scores[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j <= i; j++) {
                            scores[j] = Math.exp(scores[j] - max);
                            sum += scores[j];
                        }
                        for (int j = 0; j <= i; j++) {
                            for (int d = 0; d < hd; d++) {
                                merged[i][head * hd + d] += scores[j] / sum * v[j][kv * hd + d];
                            }
                        }
                    }
                }
                add(x, linear(merged, w.get(p + "self_attn.o_proj.weight"), hidden));
                double[][] h2 = rmsNorm(x, w.get(p + "post_attention_layernorm.weight"));
                double[][] gate = linear(h2, w.get(p + "mlp.gate_proj.weight"), ffn);
                double[][] up = linear(h2, w.get(p + "mlp.up_proj.weight"), ffn);
                for (int i = 0; i < t; i++) {
                    for (int f = 0; f < ffn; f++) {
                        double g = gate[i][f];
                        gate[i][f] = g / (1 + Math.exp(-g)) * up[i][f];         // silu(gate) * up
                    }
                }
                add(x, linear(gate, w.get(p + "mlp.down_proj.weight"), hidden));
            }
            double[][] out = linear(rmsNorm(x, w.get("model.norm.weight")), emb, vocab);   // tied output
            double[] flat = new double[t * vocab];
            for (int i = 0; i < t; i++) {
                System.arraycopy(out[i], 0, flat, i * vocab, vocab);
            }
            return flat;
        }

        private double[][] rmsNorm(double[][] x, double[] gain) {
            double[][] y = new double[x.length][hidden];
            for (int i = 0; i < x.length; i++) {
                double ss = 0;
                for (double v : x[i]) {
                    ss += v * v;
                }
                double inv = 1 / Math.sqrt(ss / hidden + eps);
                for (int d = 0; d < hidden; d++) {
                    y[i][d] = x[i][d] * inv * gain[d];
                }
            }
            return y;
        }

        /** y = x W^T with W (out, in) row-major. */
        private static double[][] linear(double[][] x, double[] weight, int out) {
            int in = x[0].length;
            assertEquals((long) out * in, weight.length);
            double[][] y = new double[x.length][out];
            for (int i = 0; i < x.length; i++) {
                for (int o = 0; o < out; o++) {
                    double s = 0;
                    for (int d = 0; d < in; d++) {
                        s += x[i][d] * weight[o * in + d];
                    }
                    y[i][o] = s;
                }
            }
            return y;
        }

        /** Rotate-half RoPE: dimension d pairs with d + hd/2, angle pos * theta^(-2d/hd). */
        private void rope(double[][] x, int n, int hd) {
            int half = hd / 2;
            for (int pos = 0; pos < x.length; pos++) {
                for (int head = 0; head < n; head++) {
                    for (int d = 0; d < half; d++) {
                        double angle = pos / scaling * Math.pow(theta, -2.0 * d / hd);
                        double cos = fp32Tables ? (float) Math.cos(angle) : Math.cos(angle);
                        double sin = fp32Tables ? (float) Math.sin(angle) : Math.sin(angle);
                        int a = head * hd + d;
                        int b = a + half;
                        double xa = x[pos][a];
                        double xb = x[pos][b];
                        x[pos][a] = xa * cos - xb * sin;
                        x[pos][b] = xb * cos + xa * sin;
                    }
                }
            }
        }

        private static void add(double[][] x, double[][] y) {
            for (int i = 0; i < x.length; i++) {
                for (int d = 0; d < x[i].length; d++) {
                    x[i][d] += y[i][d];
                }
            }
        }
    }
}
