package org.llemma4j.trainer.train;

import java.util.function.DoubleSupplier;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.metrics.FlopsModel;
import org.llemma4j.trainer.metrics.StepMetrics;
import org.llemma4j.trainer.model.LlamaConfig;

/**
 * The steps since the last log line: their mean loss, their wall time and their time in collectives, turned into one
 * {@link StepMetrics}. The clock is read at log points only, after waiting for the device, so the time covers the
 * work the steps queued; so is the communication time, measured on the device's clock.
 */
final class ThroughputWindow {

    private final TrainingSection training;
    private final LlamaConfig model;
    private final ComputeDevice device;
    private final double peakFlops;          // of one rank
    private final int dp;
    private final int world;
    private final DoubleSupplier commSeconds;
    private long start = System.nanoTime();
    private double lossSum;
    private int steps;

    /**
     * @param commSeconds the seconds spent in collectives since its last call, averaged over the ranks; called at
     *                    every log point, on every rank (it may be a collective itself)
     */
    ThroughputWindow(TrainingSection training, LlamaConfig model, ComputeDevice device, double peakFlops, int dp,
                     int world, DoubleSupplier commSeconds) {
        this.training = training;
        this.model = model;
        this.device = device;
        this.peakFlops = peakFlops;
        this.dp = dp;
        this.world = world;
        this.commSeconds = commSeconds;
    }

    void add(double loss) {
        lossSum += loss;
        steps++;
    }

    /** The window's metrics at optimizer step {@code step} (1-based); starts the next window. */
    StepMetrics close(long step, double lr, double gradNorm, long skippedSteps) {
        device.synchronize();
        double stepTime = (System.nanoTime() - start) / 1e9 / steps;
        double commTime = commSeconds.getAsDouble() / steps;
        long tokensPerStep = (long) training.seqLength() * training.microBatchSize()
                * training.gradientAccumulationSteps() * dp;
        double tokensPerSec = tokensPerStep / stepTime;
        double mfu = tokensPerSec * FlopsModel.modelFlopsPerToken(model, training.seqLength()) / (peakFlops * world);
        StepMetrics metrics = new StepMetrics(step, lossSum / steps, lr, gradNorm, tokensPerSec,
                tokensPerSec / world, mfu, stepTime, commTime, device.memory(),
                stepTime * (training.trainIters() - step), skippedSteps);
        start = System.nanoTime();
        lossSum = 0;
        steps = 0;
        return metrics;
    }
}
