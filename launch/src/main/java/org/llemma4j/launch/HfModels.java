package org.llemma4j.launch;

import java.io.IOException;
import java.nio.file.Path;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.trainer.model.hf.HfLlamaConfig;

/**
 * A Hugging Face Llama directory as {@code launch convert}, {@code launch generate} and a run's {@code load} read
 * it: the checkpoint module reads the files, the model side says what the {@code config.json} means and which
 * tensors the directory must hold.
 */
final class HfModels {

    private HfModels() {
    }

    /** The {@code config.json} of {@code dir}; errors name the file and the key. */
    static HfLlamaConfig readConfig(Path dir) throws CheckpointException {
        Path file = dir.resolve(HfDirectory.CONFIG_FILE);
        try {
            return HfLlamaConfig.fromJson(HfDirectory.readJson(file), file);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    /** Opens the weights of {@code dir}, checked against the tensors a model of {@code config} has. */
    static HfDirectory open(Path dir, HfLlamaConfig config) throws IOException {
        return HfDirectory.open(dir, config.tensors(), config.redundantTensor());
    }
}
