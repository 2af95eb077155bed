package org.llemma4j.runtime.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.trainer.model.hf.HfLlamaConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face Llama directory as {@code launch convert}, {@code launch generate} and a run's {@code load} read
 * it: the checkpoint module reads the files, the model side says what the {@code config.json} means and which
 * tensors the directory must hold.
 */
public final class HfModels {

    private static final Logger LOG = LoggerFactory.getLogger(HfModels.class);
    private static final String[] TOKEN_IDS = {"bos_token_id", "eos_token_id"};

    private HfModels() {
    }

    /**
     * The {@code config.json} of {@code dir}; errors name the file and the key, warnings go to the log. Token ids
     * it lacks are taken from {@code generation_config.json} when there is one (transformers 5 keeps them there).
     */
    public static HfLlamaConfig readConfig(Path dir) throws CheckpointException {
        Path file = dir.resolve(HfDirectory.CONFIG_FILE);
        ObjectNode json = HfDirectory.readJson(file);
        Path generation = dir.resolve(HfDirectory.GENERATION_CONFIG_FILE);
        if (Files.isRegularFile(generation)) {
            ObjectNode ids = HfDirectory.readJson(generation);
            for (String key : TOKEN_IDS) {
                if (!json.hasNonNull(key) && ids.hasNonNull(key)) {
                    json.set(key, ids.get(key));
                }
            }
        }
        try {
            return HfLlamaConfig.fromJson(json, file, LOG::warn);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage());
        }
    }

    /** Opens the weights of {@code dir}, checked against the tensors a model of {@code config} has. */
    public static HfDirectory open(Path dir, HfLlamaConfig config) throws IOException {
        return HfDirectory.open(dir, config.tensors(), config.redundantTensor());
    }
}
