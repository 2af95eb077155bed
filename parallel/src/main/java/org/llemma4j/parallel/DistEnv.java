package org.llemma4j.parallel;

import java.util.Map;

/**
 * Who this process is in the job, read from the launcher's environment.
 *
 * <p>Three sources, in order of precedence:
 * <ol>
 *   <li>the torchrun contract, used by our own supervisor too: {@code RANK}, {@code LOCAL_RANK}, {@code WORLD_SIZE},
 *       {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT} (selected when {@code RANK} is set);</li>
 *   <li>SLURM's {@code srun}, one task per rank: {@code SLURM_PROCID}, {@code SLURM_LOCALID}, {@code SLURM_NTASKS},
 *       {@code SLURM_NTASKS_PER_NODE} (or the first count of {@code SLURM_TASKS_PER_NODE}), the master being the
 *       first host of {@code SLURM_JOB_NODELIST} unless {@code MASTER_ADDR} says otherwise;</li>
 *   <li>nothing: a single process, rank 0 of 1, on 127.0.0.1.</li>
 * </ol>
 * The environment is passed as a map so every case is testable; {@link #fromSystem()} reads the real one.
 *
 * @param rank global rank
 * @param localRank rank among the processes of this node (selects {@code cuda:localRank})
 * @param worldSize number of ranks in the job
 * @param localWorldSize number of ranks on this node
 * @param masterAddr host of rank 0's TCPStore
 * @param masterPort port of rank 0's TCPStore
 * @param source which contract the values came from
 */
public record DistEnv(int rank, int localRank, int worldSize, int localWorldSize, String masterAddr, int masterPort,
                      Source source) {

    /** Where the values came from. */
    public enum Source { TORCHRUN, SLURM, SINGLE }

    /** torchrun's default port, used when none is given. */
    public static final int DEFAULT_PORT = 29500;

    /** Loopback: the master of a single-node job. */
    public static final String LOOPBACK = "127.0.0.1";

    public DistEnv {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size " + worldSize + " must be >= 1");
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside world 0.." + (worldSize - 1)
                    + " (world size " + worldSize + ")");
        }
        if (localWorldSize < 1 || localWorldSize > worldSize) {
            throw new IllegalArgumentException("local world size " + localWorldSize + " must be in 1.." + worldSize
                    + " (world size " + worldSize + ")");
        }
        if (localRank < 0 || localRank >= localWorldSize) {
            throw new IllegalArgumentException("local rank " + localRank + " is outside 0.." + (localWorldSize - 1)
                    + " (local world size " + localWorldSize + ")");
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new IllegalArgumentException("master address is empty");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("master port " + masterPort + " is outside 1..65535");
        }
    }

    /** Rank 0 of 1 on loopback. */
    public static DistEnv single() {
        return new DistEnv(0, 0, 1, 1, LOOPBACK, DEFAULT_PORT, Source.SINGLE);
    }

    /** Reads the real process environment. */
    public static DistEnv fromSystem() {
        return fromEnvironment(System.getenv());
    }

    /**
     * Reads the torchrun or SLURM contract from {@code env}.
     *
     * @throws IllegalArgumentException naming the variable and its value when one is malformed or inconsistent
     */
    public static DistEnv fromEnvironment(Map<String, String> env) {
        if (present(env, "RANK")) {
            return torchrun(env);
        }
        if (present(env, "SLURM_PROCID")) {
            return slurm(env);
        }
        if (present(env, "WORLD_SIZE") && integer(env, "WORLD_SIZE", 1) != 1) {
            throw new IllegalArgumentException("WORLD_SIZE=" + env.get("WORLD_SIZE").trim()
                    + " is set but RANK is not: set RANK for every process of the job");
        }
        return new DistEnv(0, 0, 1, 1, text(env, "MASTER_ADDR", LOOPBACK), integer(env, "MASTER_PORT", DEFAULT_PORT),
                Source.SINGLE);
    }

    private static DistEnv torchrun(Map<String, String> env) {
        int rank = integer(env, "RANK", 0);
        if (!present(env, "WORLD_SIZE")) {
            throw new IllegalArgumentException("RANK=" + rank + " is set but WORLD_SIZE is not");
        }
        int world = integer(env, "WORLD_SIZE", 1);
        // A launcher that sets only RANK/WORLD_SIZE means one node: local values equal the global ones.
        int localRank = integer(env, "LOCAL_RANK", rank);
        int localWorld = integer(env, "LOCAL_WORLD_SIZE", world);
        return checked(new Values(rank, localRank, world, localWorld, text(env, "MASTER_ADDR", LOOPBACK),
                integer(env, "MASTER_PORT", DEFAULT_PORT)), Source.TORCHRUN,
                "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_PORT");
    }

    private static DistEnv slurm(Map<String, String> env) {
        int rank = integer(env, "SLURM_PROCID", 0);
        if (!present(env, "SLURM_NTASKS")) {
            throw new IllegalArgumentException("SLURM_PROCID=" + rank + " is set but SLURM_NTASKS is not");
        }
        int world = integer(env, "SLURM_NTASKS", 1);
        int localRank = integer(env, "SLURM_LOCALID", 0);
        int localWorld;
        if (present(env, "SLURM_NTASKS_PER_NODE")) {
            localWorld = integer(env, "SLURM_NTASKS_PER_NODE", 1);
        } else if (present(env, "SLURM_TASKS_PER_NODE")) {
            localWorld = firstTaskCount(env.get("SLURM_TASKS_PER_NODE").trim());
        } else {
            localWorld = Math.max(1, localRank + 1);
        }
        String master;
        if (present(env, "MASTER_ADDR")) {
            master = env.get("MASTER_ADDR").trim();
        } else {
            String list = present(env, "SLURM_JOB_NODELIST") ? env.get("SLURM_JOB_NODELIST")
                    : env.get("SLURM_NODELIST");
            if (list == null || list.isBlank()) {
                throw new IllegalArgumentException("SLURM_PROCID=" + rank
                        + " is set but neither MASTER_ADDR nor SLURM_JOB_NODELIST is");
            }
            try {
                master = SlurmNodeList.first(list);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SLURM_JOB_NODELIST=" + list.trim() + ": " + e.getMessage(), e);
            }
        }
        // Several jobs may share a node: derive the default port from the job id so they do not collide.
        int port = DEFAULT_PORT;
        if (present(env, "MASTER_PORT")) {
            port = integer(env, "MASTER_PORT", DEFAULT_PORT);
        } else if (present(env, "SLURM_JOB_ID")) {
            port = 20000 + (int) (integer(env, "SLURM_JOB_ID", 0) % 10000L);
        }
        return checked(new Values(rank, localRank, world, localWorld, master, port), Source.SLURM,
                "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NTASKS_PER_NODE", "MASTER_PORT");
    }

    /** {@code SLURM_TASKS_PER_NODE} looks like {@code 4(x2),3}: the first count applies to the first nodes. */
    private static int firstTaskCount(String value) {
        int end = 0;
        while (end < value.length() && Character.isDigit(value.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 9) {
            throw new IllegalArgumentException("SLURM_TASKS_PER_NODE='" + value + "' does not start with a task count");
        }
        return Integer.parseInt(value.substring(0, end));
    }

    private record Values(int rank, int localRank, int world, int localWorld, String master, int port) {
    }

    /** Re-throws the record's validation errors prefixed with the variable names of this contract. */
    private static DistEnv checked(Values v, Source source, String rankVar, String localRankVar, String worldVar,
                                   String localWorldVar, String portVar) {
        try {
            return new DistEnv(v.rank, v.localRank, v.world, v.localWorld, v.master, v.port, source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " environment " + rankVar + "=" + v.rank + " "
                    + localRankVar + "=" + v.localRank + " " + worldVar + "=" + v.world + " " + localWorldVar + "="
                    + v.localWorld + " MASTER_ADDR=" + v.master + " " + portVar + "=" + v.port + ": "
                    + e.getMessage(), e);
        }
    }

    private static boolean present(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private static String text(Map<String, String> env, String name, String fallback) {
        return present(env, name) ? env.get(name).trim() : fallback;
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        if (!present(env, name)) {
            return fallback;
        }
        String raw = env.get(name).trim();
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "='" + raw + "' is not an integer", e);
        }
    }

    /** True when every rank runs on this machine and the master is a loopback address. */
    public boolean isLoopback() {
        return masterAddr.equals(LOOPBACK) || masterAddr.equals("localhost") || masterAddr.startsWith("127.")
                || masterAddr.equals("::1");
    }

    @Override
    public String toString() {
        return "rank " + rank + " of " + worldSize + " (local " + localRank + " of " + localWorldSize + ") master "
                + masterAddr + ":" + masterPort + " from " + source;
    }
}
