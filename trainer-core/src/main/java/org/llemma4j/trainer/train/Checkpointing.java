package org.llemma4j.trainer.train;

import java.io.IOException;
import java.util.Optional;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.zero.AdamWState;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * How the training loop saves and resumes, without knowing the file format (the checkpoint module implements it;
 * trainer-core does not depend on it). Every method is collective: all ranks call it at the same point.
 */
public interface Checkpointing {

    /** Where a run resumes: after {@code step} optimizer steps and {@code consumedSamples} training samples. */
    record ResumePoint(long step, long consumedSamples, boolean hasOptimizerState) {
    }

    /** The state a save records besides the tensors. */
    record SavePoint(long step, long consumedSamples, double lr) {
    }

    /**
     * Fills the freshly initialized parameters from the checkpoint (or Hugging Face model) to start from.
     *
     * @return where to resume, or empty when training starts from the seed
     */
    Optional<ResumePoint> loadWeights(ParameterSet params) throws IOException;

    /** Restores this rank's optimizer state from the resume point; called only when it has one. */
    void loadOptimizer(AdamWState state) throws IOException;

    /**
     * Saves weights and optimizer state after {@code point.step()} steps; the optimizer says which ranks write their
     * state ({@link DataParallelOptimizer#writesState}).
     */
    void save(SavePoint point, ParameterSet params, DataParallelOptimizer optimizer) throws IOException;

    /** No checkpoints: start from the seed, save nothing. */
    Checkpointing NONE = new Checkpointing() {
        @Override
        public Optional<ResumePoint> loadWeights(ParameterSet params) {
            return Optional.empty();
        }

        @Override
        public void loadOptimizer(AdamWState state) {
            throw new IllegalStateException("no checkpoint to restore the optimizer from");
        }

        @Override
        public void save(SavePoint point, ParameterSet params, DataParallelOptimizer optimizer) {
        }
    };
}
