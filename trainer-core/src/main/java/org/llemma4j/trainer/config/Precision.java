package org.llemma4j.trainer.config;

/**
 * The numeric format of parameters and activations, from {@code precision} or DeepSpeed's
 * {@code bf16: {enabled: true}}. fp16 is deliberately absent: it needs loss scaling, which this trainer does not
 * implement, and Llemma trained in bf16.
 */
public enum Precision {
    /** bf16 parameters and activations, fp32 master weights, gradient accumulation and reductions. */
    BF16,
    /** Everything in fp32. */
    FP32;

    /** The name written back into a resolved config: {@code bf16} or {@code fp32}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
