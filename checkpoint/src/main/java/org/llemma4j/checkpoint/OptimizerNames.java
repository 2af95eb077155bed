package org.llemma4j.checkpoint;

/**
 * How optimizer state is named in checkpoints: {@code optim/<parameter name>/<state>}. The parameter name keeps
 * its dots, and a slash never occurs in Hugging Face parameter names, so the name splits back unambiguously.
 */
public final class OptimizerNames {

    public static final String PREFIX = "optim/";
    /** fp32 master weights. */
    public static final String MASTER = "master";
    /** Adam's first moment. */
    public static final String EXP_AVG = "exp_avg";
    /** Adam's second moment. */
    public static final String EXP_AVG_SQ = "exp_avg_sq";

    private OptimizerNames() {
    }

    /** The checkpoint name of {@code state} of parameter {@code param}. */
    public static String of(String param, String state) {
        return PREFIX + param + "/" + state;
    }
}
