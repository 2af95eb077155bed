package org.llemma4j.trainer.model;

import static org.llemma4j.trainer.model.LlamaLayout.layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.nn.RmsNorm;
import org.llemma4j.trainer.nn.RotaryEmbedding;
import org.llemma4j.trainer.nn.SwiGluMlp;
import org.llemma4j.trainer.nn.TensorParallelPlan;
import org.llemma4j.trainer.nn.Tensors;
import org.llemma4j.trainer.nn.VocabEmbedding;

/**
 * Inference with a key-value cache over the parameters of a {@link Llama} (read from its {@link ParameterSet} by
 * name, so it runs the same weights as training, at TP=1): each forward step processes only the new tokens, at
 * their absolute positions, attending to the cached keys and values of all earlier ones.
 *
 * <p>The computation is {@link Llama#forward}'s (same norms, MLP, RoPE tables) except attention, which reads the
 * cache: scores in fp32 (at least), a causal mask shifted by the cached length, softmax in fp32.
 */
public final class LlamaGenerator implements AutoCloseable {

    private final LlamaConfig config;
    private final ScalarType dtype;
    private final RotaryEmbedding rope;
    private final VocabEmbedding embedding;
    private final List<Layer> layers = new ArrayList<>();
    private final RmsNorm finalNorm;
    private final Tensor output;

    private record Layer(RmsNorm attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo, RmsNorm mlpNorm,
                         SwiGluMlp mlp) {
    }

    /** params: a whole (TP=1) Llama of {@code config}, e.g. {@link Llama#parameters()}. */
    public LlamaGenerator(LlamaConfig config, ParameterSet params) {
        this.config = config;
        TensorParallelPlan single = TensorParallelPlan.SINGLE;
        Tensor embed = params.get(LlamaLayout.EMBEDDING);
        if (embed.size(0) != config.vocabSize()) {
            throw new IllegalArgumentException("generation needs the whole model: the embedding has "
                    + embed.size(0) + " rows, the vocabulary " + config.vocabSize());
        }
        this.dtype = Tensors.dtype(embed);
        this.rope = new RotaryEmbedding(config.rotaryDims(), config.maxPositions(), config.ropeBase());
        this.embedding = new VocabEmbedding(embed, single);
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(new Layer(
                    new RmsNorm(params.get(layer(i, "input_layernorm.weight")), config.normEps()),
                    params.get(layer(i, "self_attn.q_proj.weight")),
                    params.get(layer(i, "self_attn.k_proj.weight")),
                    params.get(layer(i, "self_attn.v_proj.weight")),
                    params.get(layer(i, "self_attn.o_proj.weight")),
                    new RmsNorm(params.get(layer(i, "post_attention_layernorm.weight")), config.normEps()),
                    new SwiGluMlp(params.get(layer(i, "mlp.gate_proj.weight")),
                            params.get(layer(i, "mlp.up_proj.weight")),
                            params.get(layer(i, "mlp.down_proj.weight")), single)));
        }
        this.finalNorm = new RmsNorm(params.get(LlamaLayout.FINAL_NORM), config.normEps());
        this.output = params.get(config.tieEmbeddings() ? LlamaLayout.EMBEDDING : LlamaLayout.OUTPUT);
    }

    /** An empty cache for {@code batch} sequences of up to {@code capacity} positions. */
    public KvCache newCache(int batch, int capacity) {
        return new KvCache(config, batch, capacity, dtype);
    }

    /**
     * tokens: (B, T) int64, the T tokens that follow the {@code cache.length()} cached ones -> logits (B, T, V) in
     * the model dtype. Appends the tokens' keys and values to the cache. No gradients are recorded.
     */
    public Tensor forward(Tensor tokens, KvCache cache) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            long past = cache.length();
            Tensor x = embedding.forward(tokens);                       // (B, T, H)
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                x = x.add(attend(i, l, l.attentionNorm().forward(x), cache, past));
                x = x.add(l.mlp().forward(l.mlpNorm().forward(x)));
            }
            cache.advance(tokens.size(1));
            return torch.linear(finalNorm.forward(x), output);
        }
    }

    // x: (B, T, H) normalized -> attention output (B, T, H)
    private Tensor attend(int index, Layer l, Tensor x, KvCache cache, long past) {
        long b = x.size(0);
        long t = x.size(1);
        long d = config.headDim();
        Tensor q = rope.apply(heads(torch.linear(x, l.wq()), b, t), past);     // (B, heads, T, d)
        Tensor k = rope.apply(heads(torch.linear(x, l.wk()), b, t), past);     // (B, kvHeads, T, d)
        Tensor v = heads(torch.linear(x, l.wv()), b, t);
        Tensor[] kv = cache.append(index, k, v);                               // (B, kvHeads, past + T, d) each
        Tensor keys = Tensors.atLeastFloat(kv[0]);
        Tensor values = Tensors.atLeastFloat(kv[1]);
        long groups = q.size(1) / keys.size(1);
        if (groups > 1) {
            keys = keys.repeat_interleave(groups, new LongOptional(1), new LongOptional());
            values = values.repeat_interleave(groups, new LongOptional(1), new LongOptional());
        }
        Tensor scores = torch.matmul(Tensors.atLeastFloat(q), keys.transpose(-2, -1))
                .mul(Tensors.scalar(1.0 / Math.sqrt(d)));                     // (B, heads, T, past + T)
        if (t > 1) {
            // new token i sits at position past + i and sees keys 0..past + i
            Tensor future = torch.ones(new long[] {t, past + t}, new TensorOptions(ScalarType.Bool)).triu(past + 1);
            scores = scores.masked_fill(future, Tensors.scalar(Double.NEGATIVE_INFINITY));
        }
        Tensor probabilities = torch.softmax(scores, -1, new ScalarTypeOptional(Tensors.atLeastFloatType(q)));
        Tensor y = torch.matmul(probabilities, values).to(dtype);              // (B, heads, T, d)
        Tensor merged = y.transpose(1, 2).reshape(b, t, y.size(1) * d);
        return torch.linear(merged, l.wo());
    }

    // (B, T, n * d) -> (B, n, T, d)
    private Tensor heads(Tensor projected, long b, long t) {
        long d = config.headDim();
        return projected.view(b, t, projected.size(2) / d, d).transpose(1, 2);
    }

    /**
     * Continues {@code prompt} by up to {@code settings.maxNewTokens()} tokens: one forward over the prompt, then
     * one position per new token. {@code onToken} sees each new id as it is chosen (for streaming output).
     *
     * @return the new ids only (the prompt not included), ending with the EOS id when it came
     * @throws IllegalArgumentException for an empty prompt, an id outside the vocabulary, or a prompt plus new
     *                                  tokens longer than {@code max_position_embeddings}
     */
    public int[] generate(int[] prompt, GenerationSettings settings, IntConsumer onToken) {
        checkPrompt(prompt, settings.maxNewTokens());
        TokenSampler sampler = new TokenSampler(settings);
        int[] generated = new int[settings.maxNewTokens()];
        int n = 0;
        try (KvCache cache = newCache(1, Math.max(1, prompt.length + settings.maxNewTokens() - 1))) {
            int[] next = prompt;
            while (n < settings.maxNewTokens()) {
                int id;
                try (PointerScope scope = new PointerScope()) {
                    Tensor logits = forward(Tensors.longTensor(next, 1, next.length), cache);   // (1, T, V)
                    id = sampler.next(Tensors.toFloats(logits.select(1, next.length - 1).select(0, 0)));
                }
                generated[n++] = id;
                onToken.accept(id);
                if (id == settings.eosId()) {
                    break;
                }
                next = new int[] {id};
            }
        }
        return Arrays.copyOf(generated, n);
    }

    /** The checks of {@link #generate}, for callers that want the message before loading anything else. */
    public void checkPrompt(int[] prompt, int maxNewTokens) {
        checkPrompt(config, prompt, maxNewTokens);
    }

    /** As {@link #checkPrompt(int[], int)}, for a model of {@code config}. */
    public static void checkPrompt(LlamaConfig config, int[] prompt, int maxNewTokens) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: generation needs at least one token");
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + prompt[i] + " at prompt position " + i
                        + " is outside the model's vocabulary 0.." + (config.vocabSize() - 1));
            }
        }
        if ((long) prompt.length + maxNewTokens > config.maxPositions()) {
            throw new IllegalArgumentException("a prompt of " + prompt.length + " tokens plus " + maxNewTokens
                    + " new ones exceeds max_position_embeddings " + config.maxPositions());
        }
    }

    public LlamaConfig config() {
        return config;
    }

    @Override
    public void close() {
        rope.close();
    }
}
