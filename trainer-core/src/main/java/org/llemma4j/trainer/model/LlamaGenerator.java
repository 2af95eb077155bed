package org.llemma4j.trainer.model;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Text generation: a {@link Llama} plus a {@link KvCache}, with a {@link TokenSampler} choosing each token. One
 * forward over the prompt, then one position per new token, each attending to the cached keys and values of every
 * earlier one. The forward pass is the training model's own ({@link Llama#forward(Tensor, KvCache)}), so generation
 * runs the same layers, attention kernel and weights as training, on the model's device: the token ids are staged
 * there ({@link Tensors#tokens}), the key-value cache follows the keys it stores, and one row of logits per token is
 * read back for the sampler.
 */
public final class LlamaGenerator {

    private final Llama model;

    /** model: a whole (TP=1) Llama, e.g. loaded from a checkpoint. */
    public LlamaGenerator(Llama model) {
        long rows = model.parameters().get(LlamaLayout.EMBEDDING.hfName()).size(0);
        if (rows != model.config().vocabSize()) {
            throw new IllegalArgumentException("generation needs the whole model: the embedding has " + rows
                    + " rows, the vocabulary " + model.config().vocabSize());
        }
        this.model = model;
    }

    /**
     * Continues {@code prompt} by up to {@code settings.maxNewTokens()} tokens. {@code onToken} sees each new id as
     * it is chosen (for streaming output).
     *
     * @return the new ids only (the prompt not included), ending with the EOS id when it came
     * @throws IllegalArgumentException for an empty prompt, an id outside the vocabulary, or a prompt plus new
     *                                  tokens longer than {@code max_position_embeddings}
     */
    public int[] generate(int[] prompt, GenerationSettings settings, IntConsumer onToken) {
        checkPrompt(model.config(), prompt, settings.maxNewTokens());
        TokenSampler sampler = new TokenSampler(settings);
        int[] generated = new int[settings.maxNewTokens()];
        int n = 0;
        try (KvCache cache = new KvCache(model.config(), Math.max(1, prompt.length + settings.maxNewTokens() - 1))) {
            int[] next = prompt;
            while (n < settings.maxNewTokens()) {
                int id;
                try (PointerScope scope = new PointerScope()) {
                    Tensor tokens = Tensors.tokens(next, model.device(), 1, next.length);
                    Tensor logits = model.forward(tokens, cache);                               // (1, T, V)
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

    /** The checks of {@link #generate}, for callers that want the message before loading the model. */
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
}
