package org.llemma4j.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.LrState;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.OptimizerNames;
import org.llemma4j.checkpoint.OptimizerPiece;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.SaveHook;
import org.llemma4j.checkpoint.ShardWriter;
import org.llemma4j.checkpoint.ShardedTensor;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.parallel.ParallelDims;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.trainer.config.CheckpointSection;
import org.llemma4j.runtime.model.HfModels;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.model.hf.HfLlamaConfig;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.optim.LrSchedule;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.train.Checkpointing;
import org.llemma4j.trainer.zero.AdamWState;
import org.llemma4j.trainer.zero.DataParallelOptimizer;
import org.llemma4j.trainer.dist.ParallelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints as sharded safetensors (docs/checkpoints.md): saves into {@code save}, resumes from {@code load}
 * (GPT-NeoX's convention: point both at the same directory and a restarted job continues where it stopped; a
 * {@code load} directory with nothing saved yet starts fresh), from one step directory ({@code load:
 * <save>/step-000500}, e.g. to go back before a divergence), or starts from a Hugging Face model directory.
 *
 * <p>Weights are written by data-parallel rank 0 of each tensor-parallel rank; the optimizer state of ZeRO stage 0
 * (replicated across DP) likewise; rank 0 commits the step directory once every rank has written.
 */
public final class SafetensorsCheckpointing implements Checkpointing {

    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsCheckpointing.class);

    /** Keys that fix the shapes of the tensors: a checkpoint whose value differs cannot be loaded. */
    private static final List<String> SHAPE_KEYS = List.of("num_layers", "hidden_size", "num_attention_heads",
            "num_kv_heads", "intermediate_size", "vocab_size", "no_weight_tying");

    /**
     * Elements of optimizer state a resume holds on the host at a time (64 MiB of fp32) where the checkpoint's TP
     * layout is this run's; when resharding, one parameter's block.
     */
    private static final long RESTORE_PIECE_ELEMENTS = 16L << 20;

    private final TrainConfig config;             // the resolved view goes into every manifest
    private final CheckpointSection checkpoint;
    private final ParallelContext parallel;
    private final CheckpointStore saves;           // null: no `save` key
    private final String saveId;                   // the same on every rank: names this attempt's temp directories
    private Manifest resumed;                      // the checkpoint loadWeights read, for loadOptimizer
    private Path resumedDir;

    public SafetensorsCheckpointing(TrainConfig config, ParallelContext parallel) {
        this.config = config;
        this.checkpoint = config.checkpoint();
        this.parallel = parallel;
        this.saves = checkpoint.save().map(dir -> new CheckpointStore(dir, checkpoint.keepLast(), SaveHook.NONE))
                .orElse(null);
        double nonce = parallel.isRank0() ? new Random().nextInt(Integer.MAX_VALUE) : 0;
        this.saveId = Long.toString((long) parallel.sumOverWorld(nonce)[0], 36);
    }

    @Override
    public Optional<ResumePoint> loadWeights(ParameterSet params) throws IOException {
        if (checkpoint.load().isEmpty()) {
            return Optional.empty();
        }
        Path dir = checkpoint.load().get();
        if (Files.isRegularFile(dir.resolve(HfDirectory.CONFIG_FILE))) {
            loadHuggingFace(dir, params);
            return Optional.of(new ResumePoint(0, 0, false));
        }
        if (Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
            resumedDir = dir;                                  // a step directory: that step, whatever latest says
        } else {
            Optional<Path> latest = new CheckpointStore(dir).latest();
            if (latest.isEmpty()) {
                LOG.info("load: nothing saved in {} yet; starting from the seed", dir);
                return Optional.empty();
            }
            resumedDir = latest.get();
        }
        resumed = new CheckpointStore(dir).verify(resumedDir);
        checkShapeKeys(resumed.config(), resumedDir);
        try (CheckpointReader reader = new CheckpointStore(dir).open(resumedDir)) {
            for (Param p : params.params()) {
                try (PointerScope scope = new PointerScope()) {       // frees each host block before the next
                    copyInto(p, reader.readShard(p.name(), tp(), tpRank()), resumedDir);
                }
            }
        }
        if (checkpoint.finetune()) {
            LOG.info("load: weights of {} (finetune: step 0, fresh optimizer)", resumedDir);
            return Optional.of(new ResumePoint(0, 0, false));
        }
        LOG.info("load: resuming from {} (step {})", resumedDir, resumed.step());
        return Optional.of(new ResumePoint(resumed.step(), resumed.consumedSamples(), resumed.hasOptimizerState()));
    }

    private void loadHuggingFace(Path dir, ParameterSet params) throws IOException {
        HfLlamaConfig hf = HfModels.readConfig(dir);
        checkShapeKeys(hf.model().toNeoxKeys(), dir);
        LlamaConfig theirs = hf.model();
        LlamaConfig ours = config.model();
        if (theirs.ropeBase() != ours.ropeBase() || theirs.ropeScaling() != ours.ropeScaling()) {
            // Deliberate when a run contracts the base (Llemma: 1e6 to 1e4), a mistake otherwise: say so either way.
            LOG.warn("load: {} has RoPE base {} and linear scaling {}; this run trains with rotary_emb_base {} and "
                    + "rotary_emb_scaling_factor {}", dir, theirs.ropeBase(), theirs.ropeScaling(), ours.ropeBase(),
                    ours.ropeScaling());
        }
        try (HfDirectory model = HfModels.open(dir, hf)) {
            for (Param p : params.params()) {
                try (PointerScope scope = new PointerScope()) {       // frees each host tensor before the next
                    Tensor whole = model.tensor(p.name());
                    Tensor block = p.shardDim() == ShardDim.REPLICATED ? whole
                            : whole.narrow(p.shardDim().dim(), tpRank() * p.localShape()[p.shardDim().dim()],
                            p.localShape()[p.shardDim().dim()]);
                    copyInto(p, block, dir);
                }
            }
        }
        LOG.info("load: Hugging Face weights of {} (step 0, fresh optimizer)", dir);
    }

    @Override
    public void loadOptimizer(AdamWState state) throws IOException {
        try (CheckpointReader reader = new CheckpointStore(checkpoint.load().get()).open(resumedDir)) {
            long start = state.range().offset();
            long length = state.unpaddedLength();
            List<ParamSpec> order = flatOrder(state.parameters().params());
            Map<String, Tensor> targets = Map.of(OptimizerNames.MASTER, state.master(),
                    OptimizerNames.EXP_AVG, state.expAvg(), OptimizerNames.EXP_AVG_SQ, state.expAvgSq());
            for (Map.Entry<String, Tensor> t : targets.entrySet()) {
                // Each host piece is copied into the state where it lives (the device) and freed before the next.
                reader.readFlat(t.getKey(), order, tp(), tpRank(), start, length, RESTORE_PIECE_ELEMENTS,
                        (at, piece) -> {
                            try (NoGradGuard noGrad = new NoGradGuard()) {
                                t.getValue().narrow(0, at, piece.numel()).copy_(piece);
                            }
                        });
            }
            state.restored(resumed.step());
        }
    }

    @Override
    public void save(SavePoint point, ParameterSet params, DataParallelOptimizer optimizer) throws IOException {
        if (saves == null) {
            return;
        }
        ParallelDims dims = parallel.dims();
        ParallelLayout layout = new ParallelLayout(dims.tp(), dims.dp(), config.parallelism().zero().stage());
        Path temp = saves.beginSave(point.step(), saveId);
        try (PointerScope scope = new PointerScope()) {
            ShardWriter writer = new ShardWriter(temp, layout);
            if (dims.dpRank() == 0) {
                List<ShardedTensor> weights = new ArrayList<>();
                for (Param p : params.params()) {
                    weights.add(new ShardedTensor(p.spec(), p.value().detach()));
                }
                writer.writeModel(dims.tpRank(), weights);
            }
            if (optimizer.writesState(dims.dpRank())) {
                AdamWState state = optimizer.state();
                long length = state.unpaddedLength();
                writer.writeOptimizer(dims.tpRank(), dims.dpRank(), OptimizerPiece.cut(flatOrder(params.params()),
                        dims.tp(), state.range().offset(), state.master().narrow(0, 0, length),
                        state.expAvg().narrow(0, 0, length), state.expAvgSq().narrow(0, 0, length)));
            }
        } catch (IOException | RuntimeException e) {
            saves.abort(temp);
            throw e;
        }
        parallel.barrier();                    // every rank's files are complete
        if (parallel.isRank0()) {
            LrSchedule s = config.optimizer().schedule();
            saves.commit(temp, Manifest.forSave(point.step(), point.consumedSamples(),
                    new LrState(point.step(), point.lr(), s.peakLr(), s.minLr(), s.warmupIters(), s.decayIters(),
                            s.style().name().toLowerCase()),
                    Map.of("seed", config.training().seed()), config.resolved(), layout));
            LOG.info("saved step {} to {}", point.step(), saves.stepDir(point.step()));
        }
        parallel.barrier();                    // nobody runs ahead (or exits) before the commit
    }

    private void checkShapeKeys(Map<String, Object> saved, Path source) throws CheckpointException {
        Map<String, Object> ours = config.resolved();
        for (String key : SHAPE_KEYS) {
            Object theirs = saved.get(key);
            if (theirs != null && !Objects.equals(String.valueOf(theirs), String.valueOf(ours.get(key)))) {
                throw new CheckpointException("checkpoint " + source + " has " + key + " " + theirs
                        + " but this run's config has " + ours.get(key));
            }
        }
    }

    private static void copyInto(Param p, Tensor block, Path source) throws CheckpointException {
        if (!Arrays.equals(Tensors.shape(block), p.localShape())) {
            throw new CheckpointException("tensor " + p.name() + " in " + source + " has shape "
                    + Arrays.toString(Tensors.shape(block)) + " but the model expects "
                    + Arrays.toString(p.localShape()));
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            p.value().detach().copy_(block);
        }
    }

    private static List<ParamSpec> flatOrder(List<Param> params) {
        return params.stream().map(Param::spec).toList();
    }

    private int tp() {
        return parallel.dims().tp();
    }

    private int tpRank() {
        return parallel.dims().tpRank();
    }
}
