package org.llemma4j.trainer.nn;

/** How a parameter's initial value is drawn. */
public enum Init {
    /** Normal(0, init_method_std): every weight matrix. */
    NORMAL,
    /** All ones: RMSNorm gains, so a fresh norm is the identity scaling. */
    ONES
}
