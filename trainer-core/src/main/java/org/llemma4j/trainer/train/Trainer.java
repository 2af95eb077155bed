package org.llemma4j.trainer.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.data.index.Samples;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.config.LoggingSection;
import org.llemma4j.trainer.config.ParallelismSection;
import org.llemma4j.trainer.config.Precision;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.data.BatchLoader;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.metrics.MetricsLog;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.LrSchedule;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.zero.DataParallelOptimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop of one process: for each optimizer step, {@code gradient_accumulation_steps} micro-batches of
 * forward and backward with their gradients added into the fp32 buffer, then the clipped AdamW step at the
 * scheduled learning rate.
 *
 * <p>Each step runs inside a {@link PointerScope}, which frees every native temporary of the step when it ends;
 * only the model and the optimizer, which this object owns, outlive a step.
 */
public final class Trainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Non-finite gradients in this many consecutive steps stop the run. */
    static final int MAX_CONSECUTIVE_SKIPS = 5;

    private final TrainConfig config;
    private final TrainingSection training;
    private final LoggingSection logging;
    private final Path runDir;
    private final Llama model;
    private final DataParallelOptimizer optimizer;
    private final LrSchedule schedule;
    private final BatchLoader loader;
    private final ParallelContext parallel;
    private final ComputeDevice device;
    private final StopSignal stop;
    private final Checkpointing checkpointing;
    private final int recomputeLayers;    // layers per activation checkpoint; 0 without recomputation
    private Validation validation;
    private long skippedSteps;            // steps whose gradient was not finite, in this run
    private int consecutiveSkips;
    private final long startStep;
    private final double peakFlops;

    /**
     * A single-process trainer on the CPU with the config's intra-op threads, without checkpoints, that only stops
     * at {@code train_iters}.
     */
    public Trainer(TrainConfig config, Path runDir, Samples trainData) {
        this(config, runDir, trainData, ParallelContext.single(ComputeDevice.cpu(threads(config))), StopSignal.manual(),
                Checkpointing.NONE);
    }

    /**
     * @param trainData the training samples in training order; global batch b is samples
     *                  {@code [b x G, (b + 1) x G)}, G = micro batch x accumulation x dp
     * @param parallel  this process's place in the run and its device; every rank builds the same model and reads
     *                  the same global batches, of which it trains on its data-parallel slice
     * @param stop      raised when the run must stop early (SIGTERM); checked after every step
     * @param checkpointing where the weights come from (a checkpoint to resume, a model to fine-tune, or none)
     *                  and where saves go
     */
    public Trainer(TrainConfig config, Path runDir, Samples trainData, ParallelContext parallel,
                   StopSignal stop, Checkpointing checkpointing) {
        this.config = config;
        this.training = config.training();
        this.logging = config.logging();
        this.runDir = runDir;
        this.parallel = parallel;
        this.stop = stop;
        this.checkpointing = checkpointing;
        // Data first: a mismatch fails before the model is allocated.
        if (trainData.seqLength() != training.seqLength()) {
            throw new IllegalArgumentException(trainData.describe() + " has samples of seq_length "
                    + trainData.seqLength() + ", but the config's seq_length is " + training.seqLength());
        }
        this.device = parallel.device();
        device.seed(training.seed());
        ParallelismSection parallelism = config.parallelism();
        ScalarType dtype = training.precision() == Precision.BF16 ? ScalarType.BFloat16 : ScalarType.Float;
        int dp = parallel.dims().dp();
        AttentionKernel kernel = AttentionKernel.forDevice(device.kind(), training.microBatchSize(),
                config.model().numHeads() / parallel.dims().tp(), training.seqLength());
        this.model = new Llama(config.model(), parallel.tensorParallel(), dtype, kernel, training.seed(), dp, device);
        Optional<Checkpointing.ResumePoint> resume = load(() -> checkpointing.loadWeights(model.parameters()));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parallel.broadcastFromRank0(model.parameters().flat());   // every replica starts from rank 0's weights
        }
        this.recomputeLayers = training.checkpointActivations() ? training.checkpointNumLayers() : 0;
        // Built after loading: the fp32 master weights are the loaded weights, not the seed's.
        this.optimizer = DataParallelOptimizer.create(model.parameters(), config.optimizer().adamW(),
                parallelism.zero(), parallel, model.parametersWithSeveralGradients(recomputeLayers));
        if (resume.isPresent() && resume.get().hasOptimizerState()) {
            load(() -> {
                checkpointing.loadOptimizer(optimizer.state());
                return Optional.empty();
            });
        }
        this.startStep = resume.map(Checkpointing.ResumePoint::step).orElse(0L);
        this.schedule = config.optimizer().schedule();
        this.loader = new BatchLoader(trainData, training.microBatchSize(), training.gradientAccumulationSteps(),
                parallel.dims().dp(), parallel.dims().dpRank(), training.trainIters(),
                resume.map(Checkpointing.ResumePoint::consumedSamples).orElse(0L));
        this.peakFlops = device.peakFlops(optionalDouble(config.device().peakTflops()));
        this.validation = new Validation(Map.of(), training, logging.evalIters(), parallel);
        if (!parallel.isRank0()) {
            return;
        }
        LOG.info("{}; model: {} parameters ({} layers, hidden {}, {} heads / {} KV heads, vocab {}), {} on {}, {} "
                        + "attention; MFU against {} TFLOP/s per rank",
                parallel.dims(), String.format("%,d", config.model().parameterCount()), config.model().numLayers(),
                config.model().hiddenSize(), config.model().numHeads(), config.model().numKvHeads(),
                config.model().vocabSize(), training.precision().configName(), device.description(), kernel,
                String.format("%.1f", peakFlops / 1e12));
        LOG.info(optimizer.describe());
    }

    private static int threads(TrainConfig config) {
        return config.training().intraOpThreads().orElseThrow(() -> new IllegalArgumentException("intra_op_threads"
                + " is not set: whoever starts training fills in the machine's default"
                + " (TrainConfig.withDefaultIntraOpThreads)"));
    }

    private static OptionalDouble optionalDouble(Optional<Double> value) {
        return value.map(OptionalDouble::of).orElse(OptionalDouble.empty());
    }

    /**
     * Evaluates on these validation sets (name -> samples) every {@code eval_interval} steps and at the end: the
     * same first {@code eval_iters} batches each time, so successive values compare like with like.
     */
    public void validateOn(Map<String, Samples> sets) {
        this.validation = new Validation(sets, training, logging.evalIters(), parallel);
    }

    /**
     * Trains to {@code train_iters}, or until the stop signal; returns the loss of every step (the mean over the
     * data-parallel ranks, identical on every rank).
     */
    public List<Double> run() {
        if (parallel.isRank0()) {
            writeResolvedConfig();
        }
        List<Double> losses = new ArrayList<>();
        long trainingPeak = -1;            // taken before the first checkpoint save or validation pass
        try (MetricsLog metrics = parallel.isRank0() ? new MetricsLog(runDir) : MetricsLog.discard()) {
            parallel.restartCommTime();          // the start-up's broadcast of the weights is no step's
            ThroughputWindow window = new ThroughputWindow(training, config.model(), device, peakFlops,
                    parallel.dims().dp(), parallel.dims().worldSize(), parallel::meanCommSeconds);
            if (startStep > 0) {
                LOG.info("resuming after step {} ({} samples consumed)", startStep, loader.consumedSamples());
            }
            for (long step = startStep; step < training.trainIters(); step++) {
                double lr = schedule.lrAt(step);
                StepOutcome outcome;
                try (PointerScope scope = new PointerScope()) {
                    outcome = trainStep(lr);
                }
                double loss = outcome.loss();
                double gradNorm = outcome.gradNorm();
                boolean stopping = outcome.stopping();
                losses.add(loss);
                window.add(loss);
                // Step 1 is always logged: the initial loss (about ln(vocab) when fresh) is the first health check.
                if (step == 0 || (step + 1) % logging.logInterval() == 0 || step + 1 == training.trainIters()
                        || stopping) {
                    metrics.log(window.close(step + 1, lr, gradNorm, skippedSteps));
                }
                boolean end = step + 1 == training.trainIters() || stopping;
                boolean validating = !validation.isEmpty() && (end || (step + 1) % logging.evalInterval() == 0);
                int factor = config.checkpoint().checkpointFactor();
                boolean saving = end || (factor > 0 && (step + 1) % factor == 0);
                if (trainingPeak < 0 && (validating || saving)) {
                    trainingPeak = device.memory().peakBytes();
                }
                if (validating) {
                    metrics.write(validation.evaluate(model, step + 1));
                }
                if (saving) {
                    save(step + 1, lr);
                }
                if (stopping) {
                    LOG.warn("stopped after step {} of {} on request", step + 1, training.trainIters());
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            stop.finished();
        }
        LOG.info("data: {} samples consumed; reading batches took {} ms in the background, the trainer waited {} ms",
                loader.consumedSamples(), loader.readNanos() / 1_000_000, loader.waitNanos() / 1_000_000);
        // Every rank reports: ZeRO-1 and tensor parallelism make the ranks' memory differ, and rank 0's metrics
        // only show rank 0. The training peak is the high-water mark before the first save or validation.
        LOG.info("rank {} peak memory ({}): {} MB in training steps, {} MB overall (optimizer state {} MB)",
                parallel.dims().rank(), device.memory().source().description(), Math.max(trainingPeak, 0) / 1_000_000,
                device.memory().peakBytes() / 1_000_000, optimizer.state().bytes() / 1_000_000);
        return losses;
    }

    /** What the ranks agreed on after one step: its mean loss, the global gradient norm, and whether to stop. */
    private record StepOutcome(double loss, double gradNorm, boolean stopping) {
    }

    /**
     * One optimizer step, the same path at every ZeRO stage and layout: the micro-batches' forward and backward, the
     * data-parallel reduction of their gradients, one small collective that agrees on the step's facts, then the
     * optimizer step, skipped when the gradient norm is not finite.
     *
     * <p>That collective sums, over the world, each rank's loss, its share of the squared gradient norm (TP-split
     * parameters over the TP group, replicated ones once, ZeRO shards over the DP group: {@link
     * DataParallelOptimizer#reduceGradients}) and whether it was told to stop (so that all ranks leave the loop after
     * the same step). Its result is the step's one read of device values into Java: nothing before it waits for the
     * device. The time in collectives is not among these facts: it is measured on the device and read at log points.
     */
    private StepOutcome trainStep(double lr) {
        Tensor loss = forwardBackward();                                    // () fp32: this rank's mean loss
        Tensor squares = optimizer.reduceGradients();                       // () fp64
        Tensor facts = torch.stack(new TensorVector(loss.to(ScalarType.Double), squares,
                constant(stop.requested() ? 1 : 0)));                                        // (3,) fp64
        double[] agreed = Tensors.toDoubles(parallel.sumOverWorld(facts));
        int world = parallel.dims().worldSize();
        double gradNorm = Math.sqrt(agreed[1]);
        if (Double.isFinite(gradNorm)) {
            consecutiveSkips = 0;
            optimizer.step(lr, gradNorm);
        } else {
            skip(gradNorm);
        }
        return new StepOutcome(agreed[0] / world, gradNorm, agreed[2] > 0);
    }

    // A 0-dim fp64 tensor holding `value` on this rank's device, made by a fill kernel: no copy from the host.
    private Tensor constant(double value) {
        return torch.full(new long[] {}, Tensors.scalar(value), device.options(ScalarType.Double));
    }

    /**
     * A step whose gradient norm is inf or NaN (the same on every rank: the norm is global) changes nothing; too
     * many in a row mean the run has diverged, and it stops rather than burn the rest of its allocation.
     */
    private void skip(double gradNorm) {
        optimizer.discardGradients();
        skippedSteps++;
        consecutiveSkips++;
        LOG.warn("skipping the step: gradient norm is {} ({} skipped so far, {} in a row)", gradNorm, skippedSteps,
                consecutiveSkips);
        if (consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
            throw new IllegalStateException(consecutiveSkips + " steps in a row had a non-finite gradient norm ("
                    + gradNorm + "); the run has diverged: lower optimizer.params.lr or resume from an earlier "
                    + "checkpoint");
        }
    }

    private void save(long steps, double lr) {
        try {
            checkpointing.save(new Checkpointing.SavePoint(steps, loader.consumedSamples(), lr), model.parameters(),
                    optimizer);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint of step " + steps + " failed: " + e.getMessage(), e);
        }
    }

    private interface Load {
        Optional<Checkpointing.ResumePoint> run() throws IOException;
    }

    private static Optional<Checkpointing.ResumePoint> load(Load load) {
        try {
            return load.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * The micro-batches of one step, forward and backward, their gradients summed into the fp32 buffer; returns
     * this rank's mean loss, () fp32 on the device, in the caller's scope. Each micro-step covers dp x micro
     * consecutive samples of the global batch and this rank reads only its own micro rows of them, so DP=2 at micro
     * batch m sees exactly the samples of DP=1 at 2m. Each micro-batch runs in a scope of its own, so its
     * activations are freed before the next one starts: memory does not grow with the accumulation count.
     */
    private Tensor forwardBackward() {
        int seq = training.seqLength();
        int width = seq + 1;
        int microBatch = training.microBatchSize();
        int accumulation = training.gradientAccumulationSteps();
        Tensor lossSum = torch.zeros(new long[] {}, device.options(ScalarType.Float));      // ()
        for (int micro = 0; micro < accumulation; micro++) {
            int[] mine = loader.nextMicroBatch();                                          // this rank's rows
            try (PointerScope microBatchScope = new PointerScope()) {
                Tensor tokens = Tensors.tokens(mine, device, microBatch, width);           // (B, T+1) int64
                optimizer.beginMicroBatch(micro == accumulation - 1);
                lossSum.add_(model.lossAndBackward(tokens.narrow(1, 0, seq), tokens.narrow(1, 1, seq),
                        1.0 / accumulation, recomputeLayers));
                optimizer.endMicroBatch();
            }
        }
        return lossSum.div_(Tensors.scalar(accumulation));
    }

    private void writeResolvedConfig() {
        try {
            Files.createDirectories(runDir);
            Files.writeString(runDir.resolve("config.yaml"), config.toYaml(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the resolved config into run directory " + runDir, e);
        }
    }

    public Llama model() {
        return model;
    }

    @Override
    public void close() {
        loader.close();
        optimizer.close();
        model.close();
    }
}
