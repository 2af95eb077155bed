package org.llemma4j.runtime.check;

import java.nio.file.Path;
import java.util.List;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.runtime.data.RunData;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.train.Checkpointing;
import org.llemma4j.trainer.train.StopSignal;
import org.llemma4j.trainer.train.Trainer;

/**
 * One check run in this process: the trainer on one device, with no checkpoints (a save would read the whole model
 * back to the host, which the sync-debug check must not see and no check needs).
 */
final class CheckTraining {

    private CheckTraining() {
    }

    /** Trains the checks' config on {@code on} with the check's {@code keys}; returns the loss of every step. */
    static List<Double> losses(CheckSettings settings, String name, DeviceRequest on, List<String> keys) {
        return run(settings, name, on, keys, Trainer::run);
    }

    /** What a check does with its trainer once built. */
    interface Use<T> {
        T apply(Trainer trainer);
    }

    /**
     * Builds the trainer of the checks' config on {@code on} with the check's {@code keys}, writing into
     * {@code <workDir>/<name>}, hands it to {@code use} and closes it.
     */
    static <T> T run(CheckSettings settings, String name, DeviceRequest on, List<String> keys, Use<T> use) {
        int cores = Runtime.getRuntime().availableProcessors();
        TrainConfig config = settings.config(on, keys).withDefaultIntraOpThreads(cores);
        ComputeDevice device = ComputeDevice.select(config.device().device(), 0, 1,
                config.training().intraOpThreads().orElseThrow());
        Path runDir = settings.workDir().resolve(name);
        try (Trainer trainer = new Trainer(config, runDir, RunData.training(config, 1), ParallelContext.single(device),
                StopSignal.manual(), Checkpointing.NONE)) {
            return use.apply(trainer);
        }
    }
}
