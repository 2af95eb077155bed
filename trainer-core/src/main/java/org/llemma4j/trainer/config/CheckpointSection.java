package org.llemma4j.trainer.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The checkpoint section: where checkpoints are written and read, how often, and how many are kept.
 *
 * @param checkpointFactor {@code checkpoint_factor} (or its older name {@code save_interval}): iterations between
 *                         checkpoints; 0 = only at the end
 * @param keepLast         {@code keep_last_n_checkpoints}; 0 keeps all
 * @param finetune         {@code finetune}: take only the weights from {@link #load()}
 * @param save             {@code save}: the checkpoint directory, absolute
 * @param load             {@code load}: the checkpoint to start from, absolute
 * @param vocabFile        {@code vocab_file}: the tokenizer, absolute; recorded for tools, not needed to train on
 *                         tokens
 */
public record CheckpointSection(int checkpointFactor, int keepLast, boolean finetune, Optional<Path> save,
                                Optional<Path> load, Optional<Path> vocabFile) {

    public CheckpointSection {
        CHECKPOINT_FACTOR.check(checkpointFactor);
        KEEP_LAST_N_CHECKPOINTS.check(keepLast);
        Objects.requireNonNull(save, "save");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(vocabFile, "vocabFile");
    }

    /**
     * Reads the section, resolving relative paths against {@code baseDir}; a {@code save_interval} standing for
     * {@code checkpoint_factor} adds a line to {@code warnings}.
     */
    static CheckpointSection from(ParsedConfig p, Path baseDir, List<String> warnings) {
        return new CheckpointSection(checkpointFactor(p, warnings), p.get(KEEP_LAST_N_CHECKPOINTS), p.get(FINETUNE),
                p.path(SAVE, baseDir), p.path(LOAD, baseDir), p.path(VOCAB_FILE, baseDir));
    }

    private static int checkpointFactor(ParsedConfig p, List<String> warnings) {
        Optional<Integer> factor = p.given(CHECKPOINT_FACTOR);
        Optional<Integer> interval = p.given(SAVE_INTERVAL);
        if (factor.isPresent() && interval.isPresent() && !factor.get().equals(interval.get())) {
            throw new ConfigException("checkpoint_factor " + factor.get() + " and save_interval " + interval.get()
                    + " disagree (save_interval is the older name of checkpoint_factor): give only one");
        }
        if (interval.isPresent() && factor.isEmpty()) {
            warnings.add("save_interval is the older GPT-NeoX name of checkpoint_factor; read as checkpoint_factor "
                    + interval.get());
        }
        return p.use(CHECKPOINT_FACTOR, factor.or(() -> interval).orElse(CHECKPOINT_FACTOR.defaultValue()));
    }
}
