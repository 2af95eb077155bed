package org.llemma4j.trainer.optim;

/**
 * AdamW hyper-parameters other than the learning rate, which the schedule supplies per step.
 *
 * @param beta1            {@code optimizer.params.betas[0]}
 * @param beta2            {@code optimizer.params.betas[1]}
 * @param eps              {@code optimizer.params.eps}
 * @param weightDecay      {@code weight_decay}: decoupled, never applied to norm weights or biases
 * @param gradientClipping {@code gradient_clipping}: max global L2 norm of the gradient; 0 disables clipping
 */
public record AdamWSettings(double beta1, double beta2, double eps, double weightDecay, double gradientClipping) {

    public AdamWSettings {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("optimizer.params.betas must be in [0, 1), got [" + beta1 + ", "
                    + beta2 + "]");
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("optimizer.params.eps must be > 0, got " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
        }
        if (!(gradientClipping >= 0)) {
            throw new IllegalArgumentException("gradient_clipping must be >= 0, got " + gradientClipping);
        }
    }
}
