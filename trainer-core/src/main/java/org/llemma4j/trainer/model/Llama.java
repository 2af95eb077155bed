package org.llemma4j.trainer.model;

import static org.llemma4j.trainer.model.LlamaLayout.DOWN_PROJ;
import static org.llemma4j.trainer.model.LlamaLayout.EMBEDDING;
import static org.llemma4j.trainer.model.LlamaLayout.FINAL_NORM;
import static org.llemma4j.trainer.model.LlamaLayout.GATE_PROJ;
import static org.llemma4j.trainer.model.LlamaLayout.INPUT_NORM;
import static org.llemma4j.trainer.model.LlamaLayout.K_PROJ;
import static org.llemma4j.trainer.model.LlamaLayout.OUTPUT;
import static org.llemma4j.trainer.model.LlamaLayout.O_PROJ;
import static org.llemma4j.trainer.model.LlamaLayout.POST_ATTENTION_NORM;
import static org.llemma4j.trainer.model.LlamaLayout.Q_PROJ;
import static org.llemma4j.trainer.model.LlamaLayout.UP_PROJ;
import static org.llemma4j.trainer.model.LlamaLayout.V_PROJ;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.nn.Attention;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.ChunkedLinearCrossEntropy;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.nn.RmsNorm;
import org.llemma4j.trainer.nn.RotaryEmbedding;
import org.llemma4j.trainer.nn.SwiGluMlp;
import org.llemma4j.trainer.nn.VocabEmbedding;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * A Llama decoder: token embedding, N pre-norm blocks (RMSNorm, RoPE attention, RMSNorm, SwiGLU MLP), a final
 * RMSNorm and the output layer (untied unless the config ties it to the embedding).
 *
 * <p>The model owns its parameters and RoPE tables; close it to free them.
 */
public final class Llama implements AutoCloseable {

    private final LlamaConfig config;
    private final ParameterSet params;
    private final RotaryEmbedding rope;
    private final VocabEmbedding embedding;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final RmsNorm finalNorm;
    private final Tensor output;       // output: (V_local, H)
    private final TensorParallelPlan tp;
    private final ComputeDevice device;

    /**
     * Allocates a freshly initialized model.
     *
     * @param dtype  parameter and activation dtype: bf16 for training, fp32 or fp64 for oracles
     * @param seed   the run seed; initialization depends on it and on each parameter's name only
     */
    public Llama(LlamaConfig config, TensorParallelPlan tp, ScalarType dtype, AttentionKernel kernel, long seed) {
        this(config, tp, dtype, kernel, seed, 1, ComputeDevice.cpu());
    }

    /**
     * As above, on {@code device} (parameters and RoPE tables; everything else follows its inputs), with the
     * parameter buffer padded to a multiple of {@code padMultiple} elements so that it splits into equal ZeRO shards.
     */
    public Llama(LlamaConfig config, TensorParallelPlan tp, ScalarType dtype, AttentionKernel kernel, long seed,
                 int padMultiple, ComputeDevice device) {
        this.config = config;
        this.tp = tp;
        this.device = device;
        LlamaLayout.checkTensorParallel(config, tp.size());
        this.params = ParameterSet.allocate(LlamaLayout.declarations(config), tp, dtype, seed, config.initStd(),
                padMultiple, device);
        this.rope = new RotaryEmbedding(config.rotaryDims(), config.maxPositions(), config.ropeBase(),
                config.ropeScaling(), device);
        this.embedding = new VocabEmbedding(params.get(EMBEDDING.hfName()), tp);
        for (int i = 0; i < config.numLayers(); i++) {
            Attention attention = new Attention(weight(Q_PROJ, i), weight(K_PROJ, i), weight(V_PROJ, i),
                    weight(O_PROJ, i), config.headDim(), rope, kernel, tp);
            SwiGluMlp mlp = new SwiGluMlp(weight(GATE_PROJ, i), weight(UP_PROJ, i), weight(DOWN_PROJ, i), tp);
            layers.add(new DecoderLayer(new RmsNorm(weight(INPUT_NORM, i), config.normEps()), attention,
                    new RmsNorm(weight(POST_ATTENTION_NORM, i), config.normEps()), mlp));
        }
        this.finalNorm = new RmsNorm(params.get(FINAL_NORM.hfName()), config.normEps());
        this.output = params.get(config.tieEmbeddings() ? EMBEDDING.hfName() : OUTPUT.hfName());
    }

    // The parameter of table row `row` in decoder layer `layer`.
    private Tensor weight(LlamaLayout row, int layer) {
        return params.get(row.hfName(layer));
    }

    /**
     * tokens: (B, T) int64 -> logits (B, T, V_local) in the model dtype: at TP>1 this rank's vocabulary range
     * [rank x V_local, (rank + 1) x V_local) of them.
     */
    public Tensor forward(Tensor tokens) {
        return torch.linear(tp.copyToRegion(finalNorm.forward(decode(tokens))), output);
    }

    /**
     * Inference with a key-value cache: tokens (B, T) int64, the T tokens that follow the {@code cache.length()}
     * cached ones -> logits (B, T, V_local) in the model dtype. Each decoder layer attends to its cached keys and
     * values and appends the new tokens' ones; the cache then counts the T positions. No gradients are recorded.
     */
    public Tensor forward(Tensor tokens, KvCache cache) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor x = embed(tokens);                                  // (B, T, H)
            for (int i = 0; i < layers.size(); i++) {
                x = layers.get(i).forward(x, cache.layer(i));
            }
            cache.advance(tokens.size(1));
            return torch.linear(tp.copyToRegion(finalNorm.forward(x)), output);
        }
    }

    /**
     * tokens, targets: (B, T) int64 -> () fp32 mean next-token cross entropy, through the chunked output layer
     * (the whole logits tensor is never built).
     */
    public Tensor loss(Tensor tokens, Tensor targets) {
        return headLoss(decode(tokens), targets);
    }

    /**
     * Forward and backward of one micro-batch, the gradients scaled by {@code scale} (1 / gradient accumulation
     * steps); returns the unscaled loss, a 0-dim tensor on the model's device without autograd history (reading it
     * is the caller's choice: on a GPU each read waits for the device). With {@code recomputeLayers > 0} (activation
     * checkpointing) only the input of every group of that many layers is kept, and each group's forward is
     * recomputed during the backward pass: the same operations on the same values, so the same gradients.
     */
    public Tensor lossAndBackward(Tensor tokens, Tensor targets, double scale, int recomputeLayers) {
        if (recomputeLayers > 0) {
            return ActivationRecompute.lossAndBackward(this, tokens, targets, scale, recomputeLayers);
        }
        Tensor loss = loss(tokens, targets);
        loss.mul(Tensors.scalar(scale)).backward();
        return loss.detach();
    }

    // tokens: (B, T) -> output of the last decoder layer (B, T, H)
    private Tensor decode(Tensor tokens) {
        Tensor x = embed(tokens);
        for (DecoderLayer layer : layers) {
            x = layer.forward(x);
        }
        return x;
    }

    // tokens: (B, T) int64 -> (B, T, H)
    Tensor embed(Tensor tokens) {
        return embedding.forward(tokens);
    }

    // x: (B, T, H) output of the last decoder layer; targets: (B, T) -> () mean cross entropy
    Tensor headLoss(Tensor x, Tensor targets) {
        Tensor h = tp.copyToRegion(finalNorm.forward(x));
        return ChunkedLinearCrossEntropy.mean(h.view(-1, h.size(2)), output, targets.reshape(-1), tp);
    }

    List<DecoderLayer> layers() {
        return layers;
    }

    public LlamaConfig config() {
        return config;
    }

    /** The device the parameters and RoPE tables live on: inputs (token ids) go there. */
    public ComputeDevice device() {
        return device;
    }

    /**
     * Names of the parameters whose gradient {@link #lossAndBackward} delivers in more than one backward pass per
     * micro-batch: with recomputation the head and the embedding are separate passes, so a tied embedding gets
     * its gradient twice.
     */
    public Set<String> parametersWithSeveralGradients(int recomputeLayers) {
        return config.tieEmbeddings() && recomputeLayers > 0 ? Set.of(EMBEDDING.hfName()) : Set.of();
    }

    public ParameterSet parameters() {
        return params;
    }

    public ScalarType dtype() {
        return Tensors.dtype(params.flat());
    }

    @Override
    public void close() {
        rope.close();
        params.close();
    }
}
