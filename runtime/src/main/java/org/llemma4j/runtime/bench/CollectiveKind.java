package org.llemma4j.runtime.bench;

/** The collectives {@link CollectivesBench} measures, in table order, with nccl-tests' bus bandwidth factors. */
public enum CollectiveKind {
    ALL_REDUCE("all-reduce", 2),
    REDUCE_SCATTER("reduce-scatter", 1),
    REDUCE_SCATTER_VIA_ALL_REDUCE("reduce-scatter via all-reduce", 1),
    ALL_GATHER("all-gather", 1);

    private final String label;
    private final int busFactor;      // 2 for all-reduce: bus bandwidth = algbw x busFactor x (n-1)/n

    CollectiveKind(String label, int busFactor) {
        this.label = label;
        this.busFactor = busFactor;
    }

    /** The name in the table: {@code "all-reduce"}. */
    public String label() {
        return label;
    }

    /** nccl-tests' bus bandwidth correction for {@code n} ranks. */
    public double busFactor(int n) {
        return busFactor * (n - 1) / (double) n;
    }
}
