package org.llemma4j.runtime.check;

import java.util.List;

/**
 * Starts a multi-rank check run: {@code ranks} processes on this node, each running {@link CheckRank} with the
 * same arguments, as {@code launch train --nproc-per-node} starts its ranks. The launcher lives with the supervisor
 * in {@code launch}; the checks only say what to run.
 */
public interface RankLauncher {

    /**
     * Runs the ranks to the end.
     *
     * @throws IllegalStateException naming the failed rank and its reason when a rank fails
     */
    void run(int ranks, List<String> rankArguments);
}
