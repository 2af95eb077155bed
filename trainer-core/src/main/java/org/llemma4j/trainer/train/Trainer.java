package org.llemma4j.trainer.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
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
import org.llemma4j.trainer.nn.TensorParallelPlan;
import org.llemma4j.trainer.nn.Tensors;
import org.llemma4j.trainer.optim.LrSchedule;
import org.llemma4j.trainer.optim.MixedPrecisionAdamW;
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
    private final LrSchedule schedule;
    private final BlendedWindowSampler sampler;
    private final double peakFlops;

    public Trainer(TrainConfig config, Path runDir, List<TokenSource> trainData) {
        this.config = config;
        this.runDir = runDir;
        torch.set_num_threads(config.intraOpThreads());
        ScalarType dtype = config.precision() == Precision.BF16 ? ScalarType.BFloat16 : ScalarType.Float;
        this.model = new Llama(config.model(), TensorParallelPlan.SINGLE, dtype, AttentionKernel.SDPA_FP32,
                config.seed());
        this.optimizer = new MixedPrecisionAdamW(model.parameters(), config.adamW());
        this.schedule = config.schedule();
        this.sampler = new BlendedWindowSampler(trainData, config.trainDataWeights(), config.seqLength());
        this.peakFlops = PeakFlops.measureCpuBf16Matmul(2048, 3);
        LOG.info("model: {} parameters ({} layers, hidden {}, {} heads / {} KV heads, vocab {}), {} on CPU with {} "
                        + "threads; optimizer state {} MB; measured bf16 matmul peak {} GFLOP/s",
                String.format("%,d", config.model().parameterCount()), config.model().numLayers(),
                config.model().hiddenSize(), config.model().numHeads(), config.model().numKvHeads(),
                config.model().vocabSize(), config.precision().configName(), config.intraOpThreads(),
                optimizer.stateBytes() / 1_000_000, Math.round(peakFlops / 1e9));
    }

    /** Trains to {@code train_iters}; returns the loss of every step. */
    public List<Double> run() {
        writeResolvedConfig();
        int seq = config.seqLength();
        int microBatch = config.microBatchSize();
        int accumulation = config.gradientAccumulationSteps();
        long tokensPerStep = (long) seq * microBatch * accumulation;
        double flopsPerToken = FlopsModel.modelFlopsPerToken(config.model(), seq);
        int[] batch = new int[microBatch * (seq + 1)];

        List<Double> losses = new ArrayList<>();
        try (MetricsLog metrics = new MetricsLog(runDir)) {
            long intervalStart = System.nanoTime();
            double intervalLoss = 0;
            int intervalSteps = 0;
            for (long step = 0; step < config.trainIters(); step++) {
                double lr = schedule.lrAt(step);
                double loss;
                double gradNorm;
                try (PointerScope scope = new PointerScope()) {
                    double lossSum = 0;
                    for (int micro = 0; micro < accumulation; micro++) {
                        sampler.next(microBatch, batch);
                        Tensor tokens = Tensors.longTensor(batch, microBatch, seq + 1);     // (B, T+1) int64
                        Tensor microLoss = model.loss(tokens.narrow(1, 0, seq), tokens.narrow(1, 1, seq));
                        microLoss.div(Tensors.scalar(accumulation)).backward();
                        lossSum += Tensors.item(microLoss);
                        optimizer.accumulateGradients();
                    }
                    loss = lossSum / accumulation;
                    gradNorm = optimizer.gradientNorm();
                    optimizer.step(lr, gradNorm);
                }
                losses.add(loss);
                intervalLoss += loss;
                intervalSteps++;
                boolean last = step + 1 == config.trainIters();
                // Step 1 is always logged: the initial loss (about ln(vocab) for a fresh model) is the first health check.
                if (step == 0 || (step + 1) % config.logInterval() == 0 || last) {
                    double seconds = (System.nanoTime() - intervalStart) / 1e9;
                    double stepTime = seconds / intervalSteps;
                    double tokensPerSec = tokensPerStep / stepTime;
                    metrics.log(new StepMetrics(step + 1, intervalLoss / intervalSteps, lr, gradNorm, tokensPerSec,
                            tokensPerSec * flopsPerToken / peakFlops, stepTime, ProcessMemory.residentBytes(),
                            ProcessMemory.peakResidentBytes(), stepTime * (config.trainIters() - step - 1)));
                    intervalStart = System.nanoTime();
                    intervalLoss = 0;
                    intervalSteps = 0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return losses;
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
