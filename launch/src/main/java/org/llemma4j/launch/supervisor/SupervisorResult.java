package org.llemma4j.launch.supervisor;

import java.util.List;

/**
 * How a supervised run ended.
 *
 * @param exitCode 0 when every rank exited 0; otherwise the failing rank's status (1 if it had none)
 * @param message one paragraph for the user: success, or which rank failed, how, and its last lines
 * @param restarts how many times all ranks were restarted
 * @param failedRank the global rank that failed first in the last attempt, or -1
 * @param failedRankTail the last lines that rank printed (empty on success)
 */
public record SupervisorResult(int exitCode, String message, int restarts, int failedRank,
                               List<String> failedRankTail) {

    public SupervisorResult {
        failedRankTail = List.copyOf(failedRankTail);
    }

    public boolean succeeded() {
        return exitCode == 0;
    }
}
