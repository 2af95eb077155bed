package org.llemma4j.checkpoint;

import static org.llemma4j.checkpoint.TestTensors.arange;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.checkpoint.safetensors.ChannelOpener;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/**
 * A few parameters of every split kind with distinct values, and what each rank of a TP x DP layout holds of
 * them: the bf16 block, and the slice of the flat fp32 optimizer buffers that ZeRO-1 gives it.
 */
final class TinyModel {

    static final List<ParamSpec> PARAMS = List.of(
            new ParamSpec("model.embed_tokens.weight", new long[] {8, 4}, ShardDim.ROWS),
            new ParamSpec("model.layers.0.self_attn.q_proj.weight", new long[] {4, 4}, ShardDim.ROWS),
            new ParamSpec("model.layers.0.self_attn.o_proj.weight", new long[] {4, 4}, ShardDim.COLUMNS),
            new ParamSpec("model.layers.0.input_layernorm.weight", new long[] {4}, ShardDim.REPLICATED));

    private TinyModel() {
    }

    /** The whole bf16 weight of parameter i (exactly representable values). */
    static Tensor full(int i) {
        return arange(ScalarType.BFloat16, 100 * i, PARAMS.get(i).fullShape());
    }

    /** The whole fp32 optimizer state of parameter i: master = weight + 0.5, exp_avg = 2x, exp_avg_sq = 3x. */
    static Tensor fullState(int i, String state) {
        Tensor master = full(i).to(ScalarType.Float).add(new Scalar(0.5));
        return switch (state) {
            case OptimizerNames.MASTER -> master;
            case OptimizerNames.EXP_AVG -> master.mul(new Scalar(2.0));
            default -> master.mul(new Scalar(3.0));
        };
    }

    /** Block of {@code t} that TP rank r of tp holds. */
    static Tensor block(Tensor t, ShardDim dim, int tp, int r) {
        if (dim == ShardDim.REPLICATED) {
            return t;
        }
        long n = t.size(dim.dim()) / tp;
        return t.narrow(dim.dim(), r * n, n).contiguous();
    }

    /** TP rank r's flat buffer of {@code state}: its blocks, flattened, in parameter order. */
    static Tensor flat(String state, int tp, int r) {
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < PARAMS.size(); i++) {
            parts.add(block(fullState(i, state), PARAMS.get(i).shardDim(), tp, r).reshape(-1));
        }
        return torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
    }

    /** DP rank d's share [start, start + len) of a flat buffer of n elements: ceil-sized shards, last one short. */
    static long[] dpRange(long n, int dp, int d) {
        long per = (n + dp - 1) / dp;
        long start = Math.min(n, d * per);
        return new long[] {start, Math.min(n, start + per) - start};
    }

    /** Writes every rank's files of a save at {@code layout}, as the ranks of a real run would. */
    static void writeAllRanks(Path tmp, ParallelLayout layout, ChannelOpener opener) throws IOException {
        ShardWriter writer = new ShardWriter(tmp, layout, opener);
        for (int t = 0; t < layout.tp(); t++) {
            try (PointerScope scope = new PointerScope()) {
                List<ShardedTensor> model = new ArrayList<>();
                for (int i = 0; i < PARAMS.size(); i++) {
                    ParamSpec p = PARAMS.get(i);
                    model.add(new ShardedTensor(p,
                            block(full(i), p.shardDim(), layout.tp(), t)));
                }
                writer.writeModel(t, model);
                Tensor master = flat(OptimizerNames.MASTER, layout.tp(), t);
                Tensor expAvg = flat(OptimizerNames.EXP_AVG, layout.tp(), t);
                Tensor expAvgSq = flat(OptimizerNames.EXP_AVG_SQ, layout.tp(), t);
                for (int d = 0; d < layout.dp(); d++) {
                    long[] r = dpRange(master.numel(), layout.dp(), d);
                    writer.writeOptimizer(t, d, OptimizerPiece.cut(PARAMS, layout.tp(), r[0],
                            master.narrow(0, r[0], r[1]), expAvg.narrow(0, r[0], r[1]),
                            expAvgSq.narrow(0, r[0], r[1])));
                }
            }
        }
    }

    static Manifest state(long step, ParallelLayout layout) {
        return Manifest.forSave(step, step * 32, new LrState(step, 1e-4 * step / 10, 1e-4, 1e-5, 10, 100, "cosine"),
                Map.of("seed", 1234, "data_rng_calls", step * 3), Map.of("train_iters", 100, "seq_length", 16),
                layout);
    }

    /** A complete save of {@code step} at {@code layout}. */
    static Manifest save(CheckpointStore store, long step, ParallelLayout layout) throws IOException {
        Path tmp = store.beginSave(step);
        writeAllRanks(tmp, layout, ChannelOpener.DEFAULT);
        return store.commit(tmp, state(step, layout));
    }
}
