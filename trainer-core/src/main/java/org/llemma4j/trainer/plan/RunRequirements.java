package org.llemma4j.trainer.plan;

import org.llemma4j.parallel.device.GpuModel;
import org.llemma4j.trainer.config.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a run needs of the machine it starts on, checked before anything is allocated, so that a 7B config
 * started on a laptop stops in a second with a message saying what it needs, instead of failing deep in
 * process-group setup or running out of memory after minutes of initialization.
 *
 * <p>Two requirements:
 * <ul>
 *   <li>the world size is a positive multiple of {@code model_parallel_size} (each tensor-parallel group is
 *       tp ranks);</li>
 *   <li>without CUDA, the ranks on this machine must fit its physical memory: per rank the bf16 weights, fp32
 *       gradient buffer, optimizer shard and one micro-batch's activations, as {@link TrainingPlan} counts them
 *       (without the CUDA allowance). A config that does not fit says it needs GPUs, and how many.</li>
 * </ul>
 */
public final class RunRequirements {

    private static final double GIB = 1L << 30;

    private RunRequirements() {
    }

    /** A run this machine cannot start; the message lists every unmet requirement. */
    public static final class UnmetException extends RuntimeException {
        public UnmetException(String message) {
            super(message);
        }
    }

    /**
     * Checks {@code config} against a world of {@code worldSize} ranks, all on this machine when CUDA is not
     * available (CPU runs are local), using this machine's physical memory.
     *
     * @throws UnmetException naming what the run needs and what this machine has
     */
    public static void check(TrainConfig config, int worldSize, boolean cudaAvailable) {
        check(config, worldSize, cudaAvailable, physicalMemoryBytes());
    }

    /** As {@link #check(TrainConfig, int, boolean)}, with the host memory given (for tests). */
    public static void check(TrainConfig config, int worldSize, boolean cudaAvailable, long hostMemoryBytes) {
        List<String> unmet = new ArrayList<>();
        int tp = config.parallelism().modelParallelSize();
        if (worldSize < 1 || worldSize % tp != 0) {
            unmet.add(String.format(Locale.ROOT, "model_parallel_size %d needs a world size that is a multiple of %d"
                    + " (tp %d x dp ranks), got world size %d: start a multiple of %d ranks, one per GPU (srun with one"
                    + " task per GPU, or any launcher that sets WORLD_SIZE)", tp, tp, tp, worldSize, tp));
        }
        if (!cudaAvailable) {
            // At an impossible world size, the smallest possible one: tp ranks.
            int ranksHere = worldSize >= 1 && worldSize % tp == 0 ? worldSize : tp;
            long perRank = cpuBytesPerRank(config, ranksHere);
            if (perRank * ranksHere > hostMemoryBytes) {
                unmet.add(String.format(Locale.ROOT, "no CUDA device is available, and on the CPU each rank"
                                + " needs about %.1f GiB (bf16 weights and gradients, fp32 gradients, optimizer"
                                + " shard, activations of one micro-batch) x %d rank%s = %.1f GiB, more than this"
                                + " machine's %.1f GiB: this config needs CUDA GPUs (%s)",
                        perRank / GIB, ranksHere, ranksHere == 1 ? "" : "s", perRank * ranksHere / GIB,
                        hostMemoryBytes / GIB, gpuHint(config)));
            }
        }
        if (!unmet.isEmpty()) {
            throw new UnmetException("cannot start this run here: " + String.join("; and ", unmet));
        }
    }

    /** Per-rank bytes without the CUDA allowance, at a world of {@code world} ranks (one node). */
    static long cpuBytesPerRank(TrainConfig config, int world) {
        int tp = config.parallelism().modelParallelSize();
        int w = world % tp == 0 ? world : tp;
        return RankMemory.of(config, w).tensorBytes();
    }

    /**
     * The smallest world (tp x a power of two, whole nodes of 8 GPUs past one node) and GPU model at which the
     * plan fits; more data-parallel ranks shrink only the ZeRO-1 shard.
     */
    private static String gpuHint(TrainConfig config) {
        int tp = config.parallelism().modelParallelSize();
        for (GpuModel gpu : GpuModel.values()) {
            for (int world = tp; world <= 8192; world *= 2) {
                if (world > 8 && world % 8 != 0) {
                    continue;
                }
                TrainingPlan plan = world <= 8
                        ? new TrainingPlan(config, gpu, 1, world, TrainingPlan.DEFAULT_MFU, List.of())
                        : new TrainingPlan(config, gpu, world / 8, 8, TrainingPlan.DEFAULT_MFU, List.of());
                if (plan.fits()) {
                    return String.format(Locale.ROOT, "it fits from %d x %s at model_parallel_size %d;"
                            + " `launch plan` shows the memory per rank", world, gpu.cliName(), tp);
                }
            }
        }
        return "it fits no GPU `launch plan` knows at model_parallel_size " + tp
                + "; `launch plan` shows the memory per rank";
    }

    /** MemTotal of /proc/meminfo; the JVM's max heap where that cannot be read. */
    static long physicalMemoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory();
    }
}
