package org.llemma4j.runtime;

import java.util.List;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.CudaProbe;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.runtime.checkpoint.SafetensorsCheckpointing;
import org.llemma4j.runtime.data.RunData;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.train.StopSignal;
import org.llemma4j.trainer.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's part of a training run, put together from a config in one place, in this order: the intra-op
 * thread default, the device and the check that the planner's per-rank memory estimate fits it, the distributed
 * context (rendezvous and process groups), the stop signal, the data, the checkpointing, and the trainer (which
 * builds the model, loads its weights and builds the data-parallel optimizer). {@code launch train}, the
 * multi-process tests and the benchmarks start runs through it.
 *
 * <pre>{@code
 * try (TrainingRun run = TrainingRun.start(config, RunOptions.embedded(dir), DistEnv.fromSystem())) {
 *     List<Double> losses = run.train();
 * }
 * }</pre>
 */
public final class TrainingRun implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final Distributed dist;       // null for a single process
    private final StopSignal stop;
    private final ParallelContext parallel;
    private final Trainer trainer;

    private TrainingRun(Distributed dist, StopSignal stop, ParallelContext parallel, Trainer trainer) {
        this.dist = dist;
        this.stop = stop;
        this.parallel = parallel;
        this.trainer = trainer;
    }

    /**
     * Builds this rank's part of the run described by {@code config}; every rank of the run calls it with the same
     * config.
     *
     * @param env who this process is (torchrun's or SLURM's environment, or a single process)
     * @throws SetupException when the data does not fit the config
     * @throws org.llemma4j.parallel.device.DeviceException when the device asked for is not available, or the
     *         per-rank memory estimate does not fit it
     * @throws org.llemma4j.parallel.DistributedException when the rendezvous or a process group fails
     */
    public static TrainingRun start(TrainConfig config, RunOptions options, DistEnv env) {
        TrainConfig resolved = config.withDefaultIntraOpThreads(defaultIntraOpThreads(
                Runtime.getRuntime().availableProcessors(), env.localWorldSize()));
        ComputeDevice device = ComputeDevice.select(resolved.device().device(), env.localRank(),
                env.localWorldSize(), resolved.training().intraOpThreads().orElseThrow());
        warnIfAutoFellBackToTheCpu(resolved.device().device(), device);
        MemoryFit.require(device, resolved, env.worldSize());
        DistOptions distOptions = DistOptions.on(device, resolved.parallelism().modelParallelSize());
        distOptions = distOptions.withTimeouts(options.rendezvousTimeout(), distOptions.collectiveTimeout());
        Distributed dist = env.worldSize() > 1 ? Distributed.init(env, distOptions) : null;
        StopSignal stop = null;
        ParallelContext parallel = null;
        try {
            // Only now: a SIGTERM during the rendezvous simply ends the JVM, instead of waiting the grace period
            // for a training loop that has not started.
            stop = options.stopGrace().map(StopSignal::onShutdown).orElseGet(StopSignal::manual);
            parallel = dist == null ? ParallelContext.single(device) : ParallelContext.of(dist);
            int dp = parallel.dims().dp();
            Trainer trainer = new Trainer(resolved, options.runDir(), RunData.training(resolved, dp), parallel, stop,
                    new SafetensorsCheckpointing(resolved, parallel));
            try {
                trainer.validateOn(RunData.validation(resolved, dp));
            } catch (RuntimeException e) {
                trainer.close();
                throw e;
            }
            return new TrainingRun(dist, stop, parallel, trainer);
        } catch (RuntimeException | Error e) {
            if (stop != null) {
                stop.finished();
            }
            if (parallel != null) {
                parallel.close();
            }
            if (dist != null) {
                dist.close();
            }
            throw e;
        }
    }

    /**
     * {@code device: auto} on the CUDA build where libtorch sees no GPU trains on the CPU, as asked; but on a GPU node
     * that is almost always a driver too old for CUDA 13 or a job given no GPU, so say so instead of training on the
     * host unannounced.
     */
    private static void warnIfAutoFellBackToTheCpu(DeviceRequest request, ComputeDevice device) {
        if (request != DeviceRequest.AUTO || device.kind() != DeviceKind.CPU) {
            return;
        }
        CudaProbe probe = CudaProbe.detect();
        if (probe.nativesBuilt()) {
            LOG.warn("device auto: this is the CUDA build, but libtorch sees no CUDA device (CUDA_VISIBLE_DEVICES {});"
                    + " training on the CPU. CUDA 13 needs NVIDIA driver 580 or newer (nvidia-smi shows it); set"
                    + " device: cuda to make this an error", probe.visibleDevices());
        }
    }

    /**
     * libtorch threads per rank when the config does not say: this machine's cores shared among the ranks it runs,
     * so that two ranks on a 2-core machine get one thread each instead of four threads fighting over two cores.
     */
    static int defaultIntraOpThreads(int cores, int localRanks) {
        return Math.max(1, cores / localRanks);
    }

    /**
     * Trains to {@code train_iters}, or until the stop signal; returns the loss of every step (the mean over the
     * data-parallel ranks, identical on every rank).
     */
    public List<Double> train() {
        return trainer.run();
    }

    /** The trainer, for tests that read the model after training. */
    public Trainer trainer() {
        return trainer;
    }

    @Override
    public void close() {
        try {
            trainer.close();
        } finally {
            stop.finished();
            parallel.close();
            if (dist != null) {
                dist.close();
            }
        }
    }
}
