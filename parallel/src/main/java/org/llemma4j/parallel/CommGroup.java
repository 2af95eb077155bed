package org.llemma4j.parallel;

import java.util.List;
import org.bytedeco.pytorch.Backend;

/**
 * One process group: its name, its members (global ranks, ascending), this process's index in it and the c10d
 * backend that runs its collectives. Owns the backend and releases it in {@link #close()}.
 *
 * <p>Not named {@code ProcessGroup} to avoid a clash with {@code org.bytedeco.pytorch.ProcessGroup}.
 */
public final class CommGroup implements AutoCloseable {

    private final String name;
    private final List<Integer> globalRanks;
    private final int rank;
    private final CommBackend kind;
    private Backend backend;

    CommGroup(String name, List<Integer> globalRanks, int rank, CommBackend kind, Backend backend) {
        this.name = name;
        this.globalRanks = List.copyOf(globalRanks);
        this.rank = rank;
        this.kind = kind;
        this.backend = backend;
    }

    /** E.g. {@code world}, {@code tp/3}, {@code dp/0}. */
    public String name() {
        return name;
    }

    /** This process's index in the group. */
    public int rank() {
        return rank;
    }

    /** Number of members. */
    public int size() {
        return globalRanks.size();
    }

    /** Members as global ranks, ascending; index {@code i} is group rank {@code i}. */
    public List<Integer> globalRanks() {
        return globalRanks;
    }

    /** The global rank of group rank {@code groupRank}. */
    public int globalRank(int groupRank) {
        return globalRanks.get(groupRank);
    }

    public CommBackend kind() {
        return kind;
    }

    /** The c10d backend, for operations {@link Collectives} does not cover. Owned by this group: do not close. */
    public Backend backend() {
        if (backend == null) {
            throw new IllegalStateException("group " + this + " is closed");
        }
        return backend;
    }

    /**
     * Drops this process's reference to the backend (its sockets close when the last reference goes). NCCL is shut
     * down explicitly first: destroying a ProcessGroupNCCL with communicators still alive can block in its
     * destructor, which is why PyTorch asks for {@code destroy_process_group()} before exit.
     */
    @Override
    public void close() {
        if (backend != null) {
            try {
                if (kind == CommBackend.NCCL) {
                    backend.shutdown();
                }
            } finally {
                backend.close();
                backend = null;
            }
        }
    }

    @Override
    public String toString() {
        return "group " + name + " (" + kind + ", rank " + rank + " of " + size() + ", global ranks " + globalRanks
                + ")";
    }
}
