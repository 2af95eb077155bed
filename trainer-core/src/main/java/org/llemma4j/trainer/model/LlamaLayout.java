package org.llemma4j.trainer.model;

import static org.llemma4j.trainer.model.LlamaLayout.Scope.AFTER_LAYERS;
import static org.llemma4j.trainer.model.LlamaLayout.Scope.BEFORE_LAYERS;
import static org.llemma4j.trainer.model.LlamaLayout.Scope.EACH_LAYER;
import static org.llemma4j.trainer.nn.Init.NORMAL;
import static org.llemma4j.trainer.nn.Init.ONES;
import static org.llemma4j.trainer.tp.ParallelStyle.COLUMN_PARALLEL;
import static org.llemma4j.trainer.tp.ParallelStyle.REPLICATED;
import static org.llemma4j.trainer.tp.ParallelStyle.ROW_PARALLEL;
import static org.llemma4j.trainer.tp.ParallelStyle.VOCAB_PARALLEL;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.trainer.nn.Init;
import org.llemma4j.trainer.nn.ParamDeclaration;
import org.llemma4j.trainer.tp.ParallelStyle;

/**
 * The parameter table of a Llama: one row per kind of parameter, with its Hugging Face name, its whole shape, its
 * tensor-parallel style (Megatron's plan: q/k/v/gate/up column-parallel, o/down row-parallel, the embedding and the
 * output layer vocab-parallel, norms replicated; {@link ParallelStyle} says what each means) and how it is
 * initialized.
 *
 * <p>Everything that needs the model's tensors derives them from here: {@link Llama} allocates them and looks its
 * blocks' weights up by these names, checkpoints and Hugging Face import and export get {@link #specs} from their
 * callers, and the planner and {@link LlamaConfig#parameterCount()} count {@link #parameterCount}. Adding a
 * parameter to the model is one row here (and its use in the forward pass).
 *
 * <p>Rows are in Hugging Face's order (the order {@code transformers} registers the modules in), which is also the
 * order {@link #specs} lists a model's tensors in.
 */
public enum LlamaLayout {
    // Hugging Face name (after "model.layers.<i>." per layer), tensor-parallel style, scope, init; whole shape
    EMBEDDING("model.embed_tokens.weight", VOCAB_PARALLEL, BEFORE_LAYERS, NORMAL,
            c -> shape(c.vocabSize(), c.hiddenSize())),
    Q_PROJ("self_attn.q_proj.weight", COLUMN_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(queryWidth(c), c.hiddenSize())),
    K_PROJ("self_attn.k_proj.weight", COLUMN_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(keyValueWidth(c), c.hiddenSize())),
    V_PROJ("self_attn.v_proj.weight", COLUMN_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(keyValueWidth(c), c.hiddenSize())),
    O_PROJ("self_attn.o_proj.weight", ROW_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(c.hiddenSize(), queryWidth(c))),
    GATE_PROJ("mlp.gate_proj.weight", COLUMN_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(c.intermediateSize(), c.hiddenSize())),
    UP_PROJ("mlp.up_proj.weight", COLUMN_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(c.intermediateSize(), c.hiddenSize())),
    DOWN_PROJ("mlp.down_proj.weight", ROW_PARALLEL, EACH_LAYER, NORMAL,
            c -> shape(c.hiddenSize(), c.intermediateSize())),
    INPUT_NORM("input_layernorm.weight", REPLICATED, EACH_LAYER, ONES,
            c -> shape(c.hiddenSize())),
    POST_ATTENTION_NORM("post_attention_layernorm.weight", REPLICATED, EACH_LAYER, ONES,
            c -> shape(c.hiddenSize())),
    FINAL_NORM("model.norm.weight", REPLICATED, AFTER_LAYERS, ONES,
            c -> shape(c.hiddenSize())),
    /** Absent when the config ties the output layer to the embedding. */
    OUTPUT("lm_head.weight", VOCAB_PARALLEL, AFTER_LAYERS, NORMAL,
            c -> shape(c.vocabSize(), c.hiddenSize()),
            c -> !c.tieEmbeddings());

    /** Where a row's parameters sit in the model: once before the decoder layers, once in each, once after. */
    public enum Scope { BEFORE_LAYERS, EACH_LAYER, AFTER_LAYERS }

    private final String hfName;              // the whole name, or the part after "model.layers.<i>." per layer
    private final ParallelStyle style;
    private final Scope scope;
    private final Init init;
    private final Function<LlamaConfig, long[]> shape;
    private final Predicate<LlamaConfig> present;

    LlamaLayout(String hfName, ParallelStyle style, Scope scope, Init init, Function<LlamaConfig, long[]> shape) {
        this(hfName, style, scope, init, shape, c -> true);
    }

    LlamaLayout(String hfName, ParallelStyle style, Scope scope, Init init, Function<LlamaConfig, long[]> shape,
                Predicate<LlamaConfig> present) {
        this.hfName = hfName;
        this.style = style;
        this.scope = scope;
        this.init = init;
        this.shape = shape;
        this.present = present;
    }

    private static long[] shape(long... dims) {
        return dims;
    }

    private static long queryWidth(LlamaConfig c) {
        return (long) c.numHeads() * c.headDim();
    }

    private static long keyValueWidth(LlamaConfig c) {
        return (long) c.numKvHeads() * c.headDim();
    }

    public Scope scope() {
        return scope;
    }

    /** How tensor parallelism splits this row's parameters. */
    public ParallelStyle style() {
        return style;
    }

    public Init init() {
        return init;
    }

    /** Whether a model of {@code config} has this parameter. */
    public boolean presentIn(LlamaConfig config) {
        return present.test(config);
    }

    /** The Hugging Face name of a parameter that is not per layer, e.g. {@code model.embed_tokens.weight}. */
    public String hfName() {
        if (scope == Scope.EACH_LAYER) {
            throw new IllegalStateException(this + " is a per-layer parameter: give the layer");
        }
        return hfName;
    }

    /**
     * The Hugging Face name of this parameter in decoder layer {@code layer}, e.g.
     * {@code model.layers.3.mlp.up_proj.weight}.
     */
    public String hfName(int layer) {
        if (scope != Scope.EACH_LAYER) {
            throw new IllegalStateException(this + " is not a per-layer parameter");
        }
        return "model.layers." + layer + "." + hfName;
    }

    /** This row's parameter of decoder layer {@code layer} (ignored for rows that are not per layer). */
    public ParamSpec spec(LlamaConfig config, int layer) {
        String name = scope == Scope.EACH_LAYER ? hfName(layer) : hfName;
        return new ParamSpec(name, shape.apply(config), style.shardDim());
    }

    /** Every parameter of a model of {@code config}, in Hugging Face order, with its initialization. */
    public static List<ParamDeclaration> declarations(LlamaConfig config) {
        List<ParamDeclaration> out = new ArrayList<>();
        addScope(out, config, Scope.BEFORE_LAYERS, 0);
        for (int i = 0; i < config.numLayers(); i++) {
            addScope(out, config, Scope.EACH_LAYER, i);
        }
        addScope(out, config, Scope.AFTER_LAYERS, 0);
        return out;
    }

    private static void addScope(List<ParamDeclaration> out, LlamaConfig config, Scope scope, int layer) {
        for (LlamaLayout row : values()) {
            if (row.scope == scope && row.presentIn(config)) {
                out.add(new ParamDeclaration(row.spec(config, layer), row.init));
            }
        }
    }

    /** Every tensor of a model of {@code config}, in Hugging Face order: what checkpoints and exports hold. */
    public static List<ParamSpec> specs(LlamaConfig config) {
        return declarations(config).stream().map(ParamDeclaration::spec).toList();
    }

    /**
     * Parameters one tensor-parallel rank of {@code tp} holds: its block of every split tensor, every replicated
     * one whole. At tp = 1 the model's parameter count.
     *
     * @throws IllegalArgumentException naming the tensor when tp does not divide it
     */
    public static long parameterCount(LlamaConfig config, int tp) {
        long n = 0;
        for (LlamaLayout row : values()) {
            if (row.presentIn(config)) {
                long copies = row.scope == Scope.EACH_LAYER ? config.numLayers() : 1;
                n += copies * row.spec(config, 0).localNumel(tp);
            }
        }
        return n;
    }

    /**
     * Rejects a tensor-parallel degree that does not split the model into whole heads, whole KV groups, equal FFN
     * slices and equal vocabulary ranges, naming every number that does not divide (called before allocation).
     */
    public static void checkTensorParallel(LlamaConfig c, int tp) {
        if (tp < 1) {
            throw new IllegalArgumentException("model_parallel_size must be >= 1, got " + tp);
        }
        List<String> problems = new ArrayList<>();
        notDivisible(problems, "num_attention_heads", c.numHeads(), tp);
        notDivisible(problems, "num_kv_heads", c.numKvHeads(), tp);
        notDivisible(problems, "intermediate_size", c.intermediateSize(), tp);
        notDivisible(problems, "vocab_size", c.vocabSize(), tp);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("model_parallel_size " + tp + " does not split the model evenly: "
                    + String.join("; ", problems));
        }
    }

    private static void notDivisible(List<String> problems, String key, long value, int tp) {
        if (value % tp != 0) {
            problems.add(key + " " + value + " is not divisible by " + tp + " (remainder " + value % tp + ")");
        }
    }
}
