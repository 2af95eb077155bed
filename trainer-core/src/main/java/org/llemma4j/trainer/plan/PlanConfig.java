package org.llemma4j.trainer.plan;

import org.llemma4j.trainer.config.ConfigSources;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A config loaded for planning: data files are not looked for ({@link DataCheck#SKIP}), and a GPT-NeoX config
 * without {@code vocab_size} (GPT-NeoX takes it from the tokenizer file, which a planning machine rarely has)
 * gets Llama's vocabulary, with a note saying so.
 *
 * @param config the loaded config
 * @param notes  the assumptions made, for the report
 */
public record PlanConfig(TrainConfig config, List<String> notes) {

    /** Llama's (and Code Llama 34B's) SentencePiece vocabulary. */
    public static final int LLAMA_VOCAB_SIZE = 32_000;

    public PlanConfig {
        notes = List.copyOf(notes);
    }

    /** Loads {@code files} merged left to right with {@code overrides}, as {@code launch train} would. */
    public static PlanConfig load(List<Path> files, List<String> overrides) {
        Map<String, Object> tree = ConfigSources.read(files, overrides);
        List<String> notes = new ArrayList<>();
        List<String> all = new ArrayList<>(overrides);
        if (tree.get("vocab_size") == null) {
            Object vocabFile = tree.get("vocab_file");
            String source = vocabFile == null ? ""
                    : " (GPT-NeoX reads it from vocab_file " + vocabFile + ", which "
                    + (Files.isRegularFile(Path.of(vocabFile.toString())) ? "plan does not read tokenizers from"
                    : "is not on this machine") + ")";
            notes.add("vocab_size is not set" + source
                    + ": assuming Llama's vocabulary of " + LLAMA_VOCAB_SIZE
                    + " (Code Llama 7B has 32016); give --set vocab_size=N to change it");
            all.add("vocab_size=" + LLAMA_VOCAB_SIZE);
        }
        return new PlanConfig(TrainConfig.load(files, all, DataCheck.SKIP), notes);
    }
}
