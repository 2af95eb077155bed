package org.llemma4j.parallel;

import java.time.Duration;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Store;
import org.llemma4j.parallel.device.ComputeDevice;

/**
 * Builds one c10d backend (the object that runs a group's collectives) over a store already scoped to the group.
 * One implementation per {@link CommBackend}; they live in sub-packages so that the NCCL one is only loaded on CUDA.
 */
public interface GroupFactory {

    /**
     * Creates the backend; blocks until every member of the group has called this with the same store.
     *
     * @param groupStore a store whose keys belong to this group only (a {@code PrefixStore})
     * @param groupRank this process's index in the group
     * @param groupSize number of members
     * @param timeout bound on connecting and on each collective
     * @param env this process's environment (the Gloo device binds to loopback on a single-node job)
     * @param device this rank's device, already the current device of the calling thread
     */
    Backend create(Store groupStore, int groupRank, int groupSize, Duration timeout, DistEnv env,
                   ComputeDevice device);
}
