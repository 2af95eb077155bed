package org.llemma4j.trainer.config;

import org.llemma4j.trainer.model.LlamaConfig;

import java.util.Objects;
import java.util.Optional;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The training section: batch, length, iterations, numerics and activation recomputation.
 *
 * @param seqLength                 {@code seq_length}: tokens per training sequence
 * @param microBatchSize            {@code train_micro_batch_size_per_gpu}: sequences per rank per forward/backward
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: micro-batches per optimizer step
 * @param trainIters                {@code train_iters}: optimizer steps to train for
 * @param precision                 from {@code precision} or {@code bf16.enabled}; FP32 when neither is given
 * @param seed                      {@code seed}: of initialization and data order
 * @param intraOpThreads            {@code intra_op_threads}: libtorch CPU threads per rank; empty until given or
 *                                  filled in by the launcher ({@link TrainConfig#withDefaultIntraOpThreads}), whose
 *                                  default depends on the machine and the ranks on it
 * @param checkpointActivations     {@code checkpoint_activations}: recompute each layer's forward during backward
 * @param checkpointNumLayers       {@code checkpoint_num_layers}: layers per activation checkpoint
 */
public record TrainingSection(int seqLength, int microBatchSize, int gradientAccumulationSteps, long trainIters,
                              Precision precision, long seed, Optional<Integer> intraOpThreads,
                              boolean checkpointActivations, int checkpointNumLayers) {

    public TrainingSection {
        SEQ_LENGTH.check(seqLength);
        MICRO_BATCH_SIZE.check(microBatchSize);
        GRADIENT_ACCUMULATION_STEPS.check(gradientAccumulationSteps);
        TRAIN_ITERS.check(trainIters);
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(intraOpThreads, "intraOpThreads").ifPresent(INTRA_OP_THREADS::check);
        CHECKPOINT_NUM_LAYERS.check(checkpointNumLayers);
    }

    /**
     * Reads the section: precision from either spelling (which must agree), and at most {@code model}'s layers
     * per activation checkpoint.
     */
    static TrainingSection from(ParsedConfig p, LlamaConfig model) {
        TrainingSection section = new TrainingSection(p.get(SEQ_LENGTH), p.get(MICRO_BATCH_SIZE),
                p.get(GRADIENT_ACCUMULATION_STEPS), p.get(TRAIN_ITERS), precision(p), p.get(SEED),
                p.given(INTRA_OP_THREADS), p.get(CHECKPOINT_ACTIVATIONS), p.get(CHECKPOINT_NUM_LAYERS));
        if (section.checkpointNumLayers() > model.numLayers()) {
            throw new ConfigException("checkpoint_num_layers " + section.checkpointNumLayers()
                    + " exceeds num_layers " + model.numLayers());
        }
        return section;
    }

    /** This section with {@code intra_op_threads} set to {@code threads}. */
    TrainingSection withIntraOpThreads(int threads) {
        return new TrainingSection(seqLength, microBatchSize, gradientAccumulationSteps, trainIters, precision, seed,
                Optional.of(threads), checkpointActivations, checkpointNumLayers);
    }

    private static Precision precision(ParsedConfig p) {
        Optional<String> written = p.given(PRECISION);
        Precision chosen;
        if (written.isEmpty()) {
            chosen = p.get(BF16_ENABLED) ? Precision.BF16 : Precision.FP32;
        } else {
            // The PRECISION validator has already rejected everything else (fp16 with its own message).
            chosen = switch (written.get()) {
                case "bf16", "bfloat16" -> Precision.BF16;
                case "fp32", "float32" -> Precision.FP32;
                default -> throw new IllegalStateException("precision " + written.get() + " passed validation");
            };
            if (p.isSet(BF16_ENABLED) && p.get(BF16_ENABLED) != (chosen == Precision.BF16)) {
                throw new ConfigException("precision \"" + written.get() + "\" contradicts bf16.enabled "
                        + p.get(BF16_ENABLED));
            }
        }
        p.use(PRECISION, chosen.configName());
        return chosen;
    }
}
