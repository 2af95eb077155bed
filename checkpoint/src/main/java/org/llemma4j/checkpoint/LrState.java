package org.llemma4j.checkpoint;

/**
 * The learning-rate schedule as saved: the schedule's numbers and where it stands. The schedule is a pure
 * function of the step, so the step is the state; the numbers let a resume check that the schedule is the same.
 *
 * @param step        optimizer steps taken
 * @param lr          the learning rate of the last step taken
 * @param peakLr      {@code optimizer.params.lr}
 * @param minLr       {@code min_lr}
 * @param warmupIters {@code warmup_iters}
 * @param decayIters  {@code lr_decay_iters}
 * @param style       {@code lr_decay_style}: constant, linear or cosine
 */
public record LrState(long step, double lr, double peakLr, double minLr, long warmupIters, long decayIters,
                      String style) {
}
