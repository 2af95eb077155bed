package org.llemma4j.parallel;

import java.util.Map;
import org.llemma4j.parallel.device.ComputeDevice;

/**
 * Everything distributed a rank needs, built in one call and released in one {@link #close()}: who it is
 * ({@link DistEnv}), the layout ({@link ParallelDims}), the rendezvous, the world/TP/DP groups with a
 * {@link Collectives} over each, and its device.
 *
 * <pre>{@code
 * DistEnv env = DistEnv.fromSystem();
 * ComputeDevice device = ComputeDevice.select(DeviceRequest.AUTO, env.localRank(), env.localWorldSize());
 * try (Distributed dist = Distributed.init(env, DistOptions.on(device, 2))) {
 *     dist.dp().reduceScatter(gradBuffer, myShard, ReduceKind.SUM);   // ZeRO-1
 *     dist.tp().allReduce(partialOutput, ReduceKind.SUM);             // row-parallel layer
 * }
 * }</pre>
 */
public final class Distributed implements AutoCloseable {

    private final DistEnv env;
    private final ParallelDims dims;
    private final DistOptions options;
    private final Rendezvous rendezvous;
    private final ParallelGroups groups;
    private final Collectives world;
    private final Collectives tp;
    private final Collectives dp;
    private volatile boolean broken;

    private Distributed(DistEnv env, ParallelDims dims, DistOptions options, Rendezvous rendezvous,
                        ParallelGroups groups) {
        this.env = env;
        this.dims = dims;
        this.options = options;
        this.rendezvous = rendezvous;
        this.groups = groups;
        Runnable markBroken = () -> broken = true;
        ReduceScatterMode mode = ReduceScatterMode.preferredFor(options.backend());
        this.world = new Collectives(groups.world(), mode, markBroken);
        this.tp = new Collectives(groups.tp(), mode, markBroken);
        this.dp = new Collectives(groups.dp(), mode, markBroken);
    }

    /** Reads the torchrun/SLURM environment from {@code environment} (e.g. {@code System.getenv()}) and joins. */
    public static Distributed init(Map<String, String> environment, DistOptions options) {
        return init(DistEnv.fromEnvironment(environment), options);
    }

    /**
     * Validates the layout (before touching the network, so a wrong tp fails on every rank at once), joins the
     * rendezvous and builds the groups, after making the options' device this thread's current device (a CUDA
     * rank's device is {@code cuda:LOCAL_RANK}; NCCL runs work without tensors, such as a barrier, on the current
     * device).
     */
    public static Distributed init(DistEnv env, DistOptions options) {
        ParallelDims dims = ParallelDims.of(env.worldSize(), options.tp(), env.rank());
        if (options.device().index() >= 0 && options.device().index() != env.localRank()) {
            throw new IllegalArgumentException("rank " + env.rank() + " has LOCAL_RANK " + env.localRank()
                    + " but was given " + options.device().name() + ": each rank computes on cuda:LOCAL_RANK");
        }
        options.device().makeCurrent();
        Rendezvous rendezvous = Rendezvous.join(env, options.rendezvousTimeout());
        try {
            ParallelGroups groups = ParallelGroups.create(rendezvous, dims, env, options.backend(),
                    options.device(), options.collectiveTimeout());
            return new Distributed(env, dims, options, rendezvous, groups);
        } catch (RuntimeException e) {
            rendezvous.abandon(); // the peers may be stuck or gone: do not wait for them
            throw e;
        }
    }

    public DistEnv env() {
        return env;
    }

    public ParallelDims dims() {
        return dims;
    }

    public DistOptions options() {
        return options;
    }

    public ParallelGroups groups() {
        return groups;
    }

    /** Collectives over all ranks. */
    public Collectives world() {
        return world;
    }

    /** Collectives over this rank's tensor-parallel group. */
    public Collectives tp() {
        return tp;
    }

    /** Collectives over this rank's data-parallel group. */
    public Collectives dp() {
        return dp;
    }

    /** This rank's device: {@code cuda:LOCAL_RANK} or the CPU. */
    public ComputeDevice device() {
        return options.device();
    }

    /** True once a collective of this rank has failed: the job cannot continue. */
    public boolean isBroken() {
        return broken;
    }

    /**
     * Releases the groups, then leaves the rendezvous: rank 0 waits (bounded) for the others to leave, unless a
     * collective failed, in which case nobody waits for peers that may be gone.
     */
    @Override
    public void close() {
        try {
            groups.close();
        } finally {
            if (broken) {
                rendezvous.abandon();
            } else {
                rendezvous.close();
            }
        }
    }

    @Override
    public String toString() {
        return "distributed " + dims + " on " + options.device().name() + " with "
                + options.backend() + ", master " + env.masterAddr() + ":" + env.masterPort();
    }
}
