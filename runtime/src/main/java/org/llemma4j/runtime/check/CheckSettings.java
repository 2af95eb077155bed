package org.llemma4j.runtime.check;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.trainer.config.TrainConfig;

/**
 * What every check runs: the config files and the user's overrides (the tiny config by default), the device under
 * test, and where the runs write their metrics.
 *
 * @param device     the device under test: {@link DeviceRequest#CUDA}, or {@link DeviceRequest#CPU} to run the
 *                   checks' logic on a machine without a GPU
 * @param configs    the config files, later ones winning
 * @param overrides  the user's {@code key=value} overrides; they come after the checks' run length and before
 *                   what a check itself sets (device, precision, parallelism)
 * @param workDir    where each run gets a directory of its own
 * @param devices    CUDA devices this node has (0 on the CPU): check 5 needs two
 */
public record CheckSettings(DeviceRequest device, List<Path> configs, List<String> overrides, Path workDir,
                            int devices) {

    /** Training steps of each check run. */
    public static final int STEPS = 10;

    /**
     * The checks' run: 10 steps with a 2-step warmup and a schedule that ends with them (so the loss falls within
     * them), no validation, no periodic checkpoints, a log line at the first and the last step. The MFU denominator
     * is fixed because no check reports MFU: on the CPU it would cost a second of matmuls per run, and on a GPU that
     * is not in the datasheet table it would stop the run.
     */
    static final List<String> RUN = List.of("train_iters=" + STEPS, "lr_decay_iters=" + STEPS, "warmup_iters=2",
            "eval_iters=0", "log_interval=" + STEPS, "checkpoint_factor=0", "peak_tflops=1000");

    public CheckSettings {
        if (device != DeviceRequest.CUDA && device != DeviceRequest.CPU) {
            throw new IllegalArgumentException("the checks run on cuda or on cpu, not " + device);
        }
        if (configs == null || configs.isEmpty()) {
            throw new IllegalArgumentException("the checks need a config file");
        }
        if (devices < 0) {
            throw new IllegalArgumentException("CUDA device count " + devices + " must be >= 0");
        }
        configs = List.copyOf(configs);
        overrides = List.copyOf(overrides);
    }

    /** The device a single-process run uses: {@code cuda:0} or {@code cpu}. */
    public String deviceName() {
        return device == DeviceRequest.CUDA ? "cuda:0" : "cpu";
    }

    public boolean onCuda() {
        return device == DeviceRequest.CUDA;
    }

    /** The overrides of a run on {@code on} with the check's own {@code keys} last. */
    List<String> overridesFor(DeviceRequest on, List<String> keys) {
        List<String> all = new ArrayList<>(RUN);
        all.addAll(overrides);
        all.add("device=" + on.configName());
        all.addAll(keys);
        return all;
    }

    /** The config of a run on {@code on} with the check's own {@code keys}. */
    TrainConfig config(DeviceRequest on, List<String> keys) {
        return TrainConfig.load(configs, overridesFor(on, keys));
    }
}
