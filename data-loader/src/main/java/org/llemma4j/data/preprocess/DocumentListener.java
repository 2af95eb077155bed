package org.llemma4j.data.preprocess;

import java.nio.file.Path;

/** Told about every document written, in output order; used to list the provenance of sample data. */
@FunctionalInterface
public interface DocumentListener {

    /**
     * @param record the input line as it was read (the JSON object for {@code .jsonl}, the file for {@code .txt})
     * @param tokens tokens written for the document, special tokens included
     */
    void written(Path file, long line, String record, int tokens);
}
