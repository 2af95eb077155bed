package org.llemma4j.parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * The layout of the world: {@code worldSize = tp x dp} ranks, and where this rank sits in it.
 *
 * <p>Tensor-parallel groups are runs of consecutive ranks ({@code tpRank = rank % tp}, {@code dpRank = rank / tp}):
 * launchers number the ranks of one node consecutively, so a TP group stays inside a node where its frequent,
 * latency-bound all-reduces use the fast intra-node links, while the data-parallel group (ranks with the same TP
 * index, one per TP group) crosses nodes with its less frequent, bandwidth-bound reduce-scatter and all-gather.
 *
 * @param worldSize number of ranks in the job
 * @param tp tensor-parallel degree
 * @param dp data-parallel degree
 * @param rank this process's global rank
 */
public record ParallelDims(int worldSize, int tp, int dp, int rank) {

    public ParallelDims {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size " + worldSize + " must be >= 1");
        }
        if (tp < 1) {
            throw new IllegalArgumentException("tp " + tp + " must be >= 1 (world " + worldSize + ")");
        }
        if (dp < 1) {
            throw new IllegalArgumentException("dp " + dp + " must be >= 1 (world " + worldSize + ")");
        }
        if ((long) tp * dp != worldSize) {
            throw new IllegalArgumentException("world " + worldSize + " is not tp " + tp + " x dp " + dp
                    + " (= " + ((long) tp * dp) + ")");
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside world 0.." + (worldSize - 1));
        }
    }

    /**
     * Derives dp from the world size and tp.
     *
     * @throws IllegalArgumentException naming the numbers when the world is not a multiple of tp
     */
    public static ParallelDims of(int worldSize, int tp, int rank) {
        if (tp < 1) {
            throw new IllegalArgumentException("tp " + tp + " must be >= 1 (world " + worldSize + ")");
        }
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size " + worldSize + " must be >= 1");
        }
        if (worldSize % tp != 0) {
            throw new IllegalArgumentException("world " + worldSize + " is not tp " + tp + " x dp: " + worldSize
                    + " is not divisible by " + tp + " (remainder " + (worldSize % tp) + ")");
        }
        return new ParallelDims(worldSize, tp, worldSize / tp, rank);
    }

    /** One process, no parallelism. */
    public static ParallelDims single() {
        return new ParallelDims(1, 1, 1, 0);
    }

    /** This rank's index inside its TP group. */
    public int tpRank() {
        return rank % tp;
    }

    /** This rank's index inside its DP group, which is also the index of its TP group. */
    public int dpRank() {
        return rank / tp;
    }

    /** Global ranks of this rank's TP group, ascending. */
    public List<Integer> tpGroupRanks() {
        return tpGroup(dpRank());
    }

    /** Global ranks of this rank's DP group, ascending. */
    public List<Integer> dpGroupRanks() {
        return dpGroup(tpRank());
    }

    /** Global ranks of the {@code index}-th TP group: {@code index*tp .. index*tp + tp - 1}. */
    public List<Integer> tpGroup(int index) {
        if (index < 0 || index >= dp) {
            throw new IllegalArgumentException("TP group " + index + " is outside 0.." + (dp - 1) + " (dp " + dp + ")");
        }
        List<Integer> ranks = new ArrayList<>(tp);
        for (int i = 0; i < tp; i++) {
            ranks.add(index * tp + i);
        }
        return List.copyOf(ranks);
    }

    /** Global ranks of the DP group of TP index {@code tpIndex}: {@code tpIndex, tpIndex + tp, ...}. */
    public List<Integer> dpGroup(int tpIndex) {
        if (tpIndex < 0 || tpIndex >= tp) {
            throw new IllegalArgumentException("DP group " + tpIndex + " is outside 0.." + (tp - 1) + " (tp " + tp
                    + ")");
        }
        List<Integer> ranks = new ArrayList<>(dp);
        for (int j = 0; j < dp; j++) {
            ranks.add(j * tp + tpIndex);
        }
        return List.copyOf(ranks);
    }

    /** Every TP group of the world, in order of their DP index. */
    public List<List<Integer>> allTpGroups() {
        List<List<Integer>> groups = new ArrayList<>(dp);
        for (int j = 0; j < dp; j++) {
            groups.add(tpGroup(j));
        }
        return List.copyOf(groups);
    }

    /** Every DP group of the world, in order of their TP index. */
    public List<List<Integer>> allDpGroups() {
        List<List<Integer>> groups = new ArrayList<>(tp);
        for (int i = 0; i < tp; i++) {
            groups.add(dpGroup(i));
        }
        return List.copyOf(groups);
    }

    /** This rank's TP slice of a dimension of {@code size} (e.g. heads, FFN width, vocabulary). */
    public Slice tpSlice(long size, String what) {
        return Slice.evenPart(size, tp, tpRank(), what + " (tp " + tp + ")");
    }

    /** This rank's DP shard of a flat buffer of {@code size} elements (ZeRO-1 ownership). */
    public Slice dpSlice(long size, String what) {
        return Slice.evenPart(size, dp, dpRank(), what + " (dp " + dp + ")");
    }

    /** The same layout seen from another rank. */
    public ParallelDims withRank(int otherRank) {
        return new ParallelDims(worldSize, tp, dp, otherRank);
    }

    @Override
    public String toString() {
        return "rank " + rank + " of world " + worldSize + " (tp " + tp + " x dp " + dp + "; tpRank " + tpRank()
                + ", dpRank " + dpRank() + ")";
    }
}
