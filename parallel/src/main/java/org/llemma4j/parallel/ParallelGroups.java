package org.llemma4j.parallel;

import java.time.Duration;
import java.util.List;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.PrefixStore;
import org.llemma4j.parallel.device.ComputeDevice;

/**
 * The three groups a rank takes part in: the world, its TP group and its DP group (see {@link ParallelDims}).
 *
 * <p>Each group's backend is built over its own {@code PrefixStore} ({@code llemma4j/pg/world},
 * {@code llemma4j/pg/tp/<dpRank>}, {@code llemma4j/pg/dp/<tpRank>}): backends write their connection keys under
 * fixed names, and without a prefix per group two groups would read each other's addresses. Only the members of a
 * group construct it, so every rank builds exactly three backends, in the same order (world, TP, DP), which
 * cannot deadlock because every member of a group reaches its construction at the same step.
 */
public final class ParallelGroups implements AutoCloseable {

    private static final String PREFIX = "llemma4j/pg/";

    private final ParallelDims dims;
    private final CommGroup world;
    private final CommGroup tp;
    private final CommGroup dp;

    private ParallelGroups(ParallelDims dims, CommGroup world, CommGroup tp, CommGroup dp) {
        this.dims = dims;
        this.world = world;
        this.tp = tp;
        this.dp = dp;
    }

    /**
     * Builds the world, TP and DP groups of {@code dims.rank()}.
     *
     * @param device this rank's device, already the current device of the calling thread
     * @param timeout bound on building each group and on each collective afterwards
     * @throws DistributedException naming the group, rank, size and master when a backend cannot be built
     */
    public static ParallelGroups create(Rendezvous rendezvous, ParallelDims dims, DistEnv env, CommBackend backend,
                                        ComputeDevice device, Duration timeout) {
        if (rendezvous.worldSize() != dims.worldSize() || rendezvous.rank() != dims.rank()) {
            throw new IllegalArgumentException("rendezvous has rank " + rendezvous.rank() + " of "
                    + rendezvous.worldSize() + " but the layout is " + dims);
        }
        GroupFactory factory = backend.factory();
        CommGroup world = null;
        CommGroup tp = null;
        try {
            world = build(rendezvous, factory, backend, "world", allRanks(dims.worldSize()), dims.rank(), timeout, env,
                    device);
            tp = build(rendezvous, factory, backend, "tp/" + dims.dpRank(), dims.tpGroupRanks(), dims.rank(), timeout,
                    env, device);
            CommGroup dpGroup = build(rendezvous, factory, backend, "dp/" + dims.tpRank(), dims.dpGroupRanks(),
                    dims.rank(), timeout, env, device);
            return new ParallelGroups(dims, world, tp, dpGroup);
        } catch (RuntimeException e) {
            if (tp != null) {
                tp.close();
            }
            if (world != null) {
                world.close();
            }
            throw e;
        }
    }

    /** Builds one group of the given global ranks, which must contain {@code globalRank}. */
    public static CommGroup build(Rendezvous rendezvous, GroupFactory factory, CommBackend kind, String name,
                                  List<Integer> members, int globalRank, Duration timeout, DistEnv env,
                                  ComputeDevice device) {
        int groupRank = members.indexOf(globalRank);
        if (groupRank < 0) {
            throw new IllegalArgumentException("rank " + globalRank + " is not a member of group " + name + " "
                    + members);
        }
        long start = System.nanoTime();
        PrefixStore store = new PrefixStore(PREFIX + name, rendezvous.store());
        // The backend adopts this object as a c10::intrusive_ptr (it is freed when the backend is), so Java must
        // never free it: hand over ownership now, whether the construction below succeeds or not.
        store.deallocate(false);
        try {
            Backend b = factory.create(store, groupRank, members.size(), timeout, env, device);
            return new CommGroup(name, members, groupRank, kind, b);
        } catch (RuntimeException e) {
            throw new DistributedException(String.format(java.util.Locale.ROOT,
                    "could not build %s group %s (global rank %d = group rank %d of %d, members %s) on %s over the"
                            + " store at %s:%d after %.1f s (timeout %d s): %s", kind, name, globalRank, groupRank,
                    members.size(), members, device.name(), rendezvous.host(), rendezvous.port(),
                    (System.nanoTime() - start) / 1e9, timeout.toSeconds(), DistributedException.nativeReason(e)), e);
        }
    }

    private static List<Integer> allRanks(int n) {
        Integer[] r = new Integer[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return List.of(r);
    }

    public ParallelDims dims() {
        return dims;
    }

    /** All ranks. */
    public CommGroup world() {
        return world;
    }

    /** This rank's tensor-parallel group (consecutive ranks). */
    public CommGroup tp() {
        return tp;
    }

    /** This rank's data-parallel group (same TP index). */
    public CommGroup dp() {
        return dp;
    }

    @Override
    public void close() {
        dp.close();
        tp.close();
        world.close();
    }
}
