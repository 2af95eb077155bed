package org.llemma4j.trainer.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.config.Precision;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.data.BlendedWindowSampler;
import org.llemma4j.trainer.data.TokenSource;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.metrics.MetricsLog;
import org.llemma4j.trainer.metrics.PeakFlops;
import org.llemma4j.trainer.metrics.ProcessMemory;
import org.llemma4j.trainer.metrics.StepMetrics;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Tensors;
import org.llemma4j.trainer.optim.LrSchedule;
import org.llemma4j.trainer.optim.MixedPrecisionAdamW;
import org.llemma4j.trainer.tp.GradientNorm;
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

    private final TrainConfig config;
    private final Path runDir;
    private final Llama model;
    private final MixedPrecisionAdamW optimizer;
    private final GradientNorm gradientNorm;
    private final LrSchedule schedule;
    private final BlendedWindowSampler sampler;
    private final ParallelContext parallel;
    private final StopSignal stop;
    private final double peakFlops;
    private final int[] globalBatch;      // one micro-batch of every DP rank, (dp x B, T+1) row-major

    /** A single-process trainer that only stops at {@code train_iters}. */
    public Trainer(TrainConfig config, Path runDir, List<TokenSource> trainData) {
        this(config, runDir, trainData, ParallelContext.single(), StopSignal.manual());
    }

    /**
     * @param trainData the training datasets, in the order of {@code train_data_weights}
     * @param parallel  this process's place in the run; every rank builds the same model and reads the same
     *                  global batches, of which it trains on its data-parallel slice
     * @param stop      raised when the run must stop early (SIGTERM); checked after every step
     */
    public Trainer(TrainConfig config, Path runDir, List<TokenSource> trainData, ParallelContext parallel,
                   StopSignal stop) {
        this.config = config;
        this.runDir = runDir;
        this.parallel = parallel;
        this.stop = stop;
        torch.set_num_threads(config.intraOpThreads());
        ScalarType dtype = config.precision() == Precision.BF16 ? ScalarType.BFloat16 : ScalarType.Float;
        this.model = new Llama(config.model(), parallel.tensorParallel(), dtype, AttentionKernel.SDPA_FP32,
                config.seed());
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parallel.broadcastFromRank0(model.parameters().flat());   // every replica starts from rank 0's weights
        }
        this.optimizer = new MixedPrecisionAdamW(model.parameters(), config.adamW());
        this.gradientNorm = new GradientNorm(model.parameters(), parallel.tensorParallel());
        this.schedule = config.schedule();
        this.sampler = new BlendedWindowSampler(trainData, config.trainDataWeights(), config.seqLength());
        this.globalBatch = new int[parallel.dims().dp() * config.microBatchSize() * (config.seqLength() + 1)];
        this.peakFlops = PeakFlops.measureCpuBf16Matmul(2048, 3);
        if (!parallel.isRank0()) {
            return;
        }
        LOG.info("{}; model: {} parameters ({} layers, hidden {}, {} heads / {} KV heads, vocab {}), {} on CPU with {} "
                        + "threads; optimizer state {} MB; measured bf16 matmul peak {} GFLOP/s",
                parallel.dims(), String.format("%,d", config.model().parameterCount()), config.model().numLayers(),
                config.model().hiddenSize(), config.model().numHeads(), config.model().numKvHeads(),
                config.model().vocabSize(), config.precision().configName(), config.intraOpThreads(),
                optimizer.stateBytes() / 1_000_000, Math.round(peakFlops / 1e9));
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
        try (MetricsLog metrics = parallel.isRank0() ? new MetricsLog(runDir) : MetricsLog.discard()) {
            ThroughputWindow window = new ThroughputWindow();
            for (long step = 0; step < config.trainIters(); step++) {
                double lr = schedule.lrAt(step);
                double localLoss;
                double gradNorm;
                try (PointerScope scope = new PointerScope()) {
                    localLoss = forwardBackward();
                    parallel.averageOverDp(optimizer.gradientBuffer());
                    gradNorm = gradientNorm.global(optimizer.gradientBuffer());   // TP-split summed, replicated once
                    optimizer.step(lr, gradNorm);
                }
                // One small collective agrees on the step's mean loss and on whether any rank was told to stop,
                // so that all ranks leave the loop after the same step.
                double[] agreed = parallel.sumOverWorld(localLoss, stop.requested() ? 1 : 0);
                double loss = agreed[0] / parallel.dims().worldSize();
                boolean stopping = agreed[1] > 0;
                losses.add(loss);
                window.add(loss);
                // Step 1 is always logged: the initial loss (about ln(vocab) when fresh) is the first health check.
                if (step == 0 || (step + 1) % config.logInterval() == 0 || step + 1 == config.trainIters()
                        || stopping) {
                    metrics.log(window.close(step + 1, lr, gradNorm));
                }
                if (stopping) {
                    LOG.warn("stopped after step {} of {} on request", step + 1, config.trainIters());
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            stop.finished();
        }
        return losses;
    }

    /**
     * The micro-batches of one step, forward and backward, their gradients summed into the fp32 buffer; returns
     * this rank's mean loss. Every rank draws the same global micro-batch (one micro-batch per DP rank) and trains
     * on its own slice of it, so DP=2 at micro batch m sees exactly the samples of DP=1 at micro batch 2m.
     */
    private double forwardBackward() {
        int seq = config.seqLength();
        int width = seq + 1;
        int microBatch = config.microBatchSize();
        int accumulation = config.gradientAccumulationSteps();
        int dp = parallel.dims().dp();
        int dpRank = parallel.dims().dpRank();
        double lossSum = 0;
        for (int micro = 0; micro < accumulation; micro++) {
            sampler.next(dp * microBatch, globalBatch);
            int[] mine = Arrays.copyOfRange(globalBatch, dpRank * microBatch * width, (dpRank + 1) * microBatch * width);
            Tensor tokens = Tensors.longTensor(mine, microBatch, width);                 // (B, T+1) int64
            Tensor microLoss = model.loss(tokens.narrow(1, 0, seq), tokens.narrow(1, 1, seq));
            microLoss.div(Tensors.scalar(accumulation)).backward();
            lossSum += Tensors.item(microLoss);
            optimizer.accumulateGradients();
        }
        return lossSum / accumulation;
    }

    /** Steps since the last log line: their mean loss and their wall time, turned into one {@link StepMetrics}. */
    private final class ThroughputWindow {
        private long start = System.nanoTime();
        private double lossSum;
        private int steps;

        void add(double loss) {
            lossSum += loss;
            steps++;
        }

        StepMetrics close(long step, double lr, double gradNorm) {
            double stepTime = (System.nanoTime() - start) / 1e9 / steps;
            long tokensPerStep = (long) config.seqLength() * config.microBatchSize()
                    * config.gradientAccumulationSteps() * parallel.dims().dp();
            double tokensPerSec = tokensPerStep / stepTime;
            double mfu = tokensPerSec * FlopsModel.modelFlopsPerToken(config.model(), config.seqLength())
                    / (peakFlops * parallel.dims().worldSize());
            StepMetrics metrics = new StepMetrics(step, lossSum / steps, lr, gradNorm, tokensPerSec, mfu, stepTime,
                    ProcessMemory.residentBytes(), ProcessMemory.peakResidentBytes(),
                    stepTime * (config.trainIters() - step));
            start = System.nanoTime();
            lossSum = 0;
            steps = 0;
            return metrics;
        }
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
        optimizer.close();
        model.close();
    }
}
