package org.llemma4j.data.preprocess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What to preprocess and how; invalid combinations are rejected on construction with a message naming the
 * option as the command line spells it.
 *
 * @param inputs files, directories (searched recursively for supported files) or glob patterns, in order
 * @param jsonKey the JSON field holding each document's text ({@code text})
 * @param tokenizer a SentencePiece {@code .model} or a Hugging Face {@code .json}
 * @param outputPrefix the output is {@code {outputPrefix}_{jsonKey}_document.bin/.idx}, GPT-NeoX's naming
 * @param appendEod append the tokenizer's end-of-document id to every document
 * @param prependBos put the tokenizer's BOS id before every document
 * @param workers tokenizing threads
 * @param skipBadLines skip (and count) lines that are not valid JSON instead of failing
 * @param maxTokens stop after the document that brings the output to this many tokens; 0 for no limit
 */
public record PreprocessOptions(List<String> inputs, String jsonKey, Path tokenizer, Path outputPrefix,
        boolean appendEod, boolean prependBos, int workers, boolean skipBadLines, long maxTokens) {

    public static final String DEFAULT_JSON_KEY = "text";
    public static final int MAX_WORKERS = 256;

    public PreprocessOptions {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("--input: at least one input file, directory or glob is required");
        }
        if (jsonKey == null || jsonKey.isBlank()) {
            throw new IllegalArgumentException("--json-key must not be empty");
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException("--tokenizer is required");
        }
        if (!Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("--tokenizer " + tokenizer + " does not exist or is not a file");
        }
        if (outputPrefix == null || outputPrefix.getFileName() == null) {
            throw new IllegalArgumentException("--output-prefix is required");
        }
        Path dir = outputPrefix.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--output-prefix " + outputPrefix + ": directory " + dir
                    + " does not exist");
        }
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("--workers must be between 1 and " + MAX_WORKERS + ", got " + workers);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("--max-tokens must not be negative, got " + maxTokens);
        }
    }

    /** Options with GPT-NeoX's defaults: key {@code text}, EOD appended, no BOS, one worker, no limit. */
    public static PreprocessOptions of(List<String> inputs, Path tokenizer, Path outputPrefix) {
        return new PreprocessOptions(inputs, DEFAULT_JSON_KEY, tokenizer, outputPrefix, true, false, 1, false, 0);
    }

    public PreprocessOptions withWorkers(int n) {
        return new PreprocessOptions(inputs, jsonKey, tokenizer, outputPrefix, appendEod, prependBos, n,
                skipBadLines, maxTokens);
    }

    public PreprocessOptions withMaxTokens(long n) {
        return new PreprocessOptions(inputs, jsonKey, tokenizer, outputPrefix, appendEod, prependBos, workers,
                skipBadLines, n);
    }

    public PreprocessOptions withSkipBadLines(boolean skip) {
        return new PreprocessOptions(inputs, jsonKey, tokenizer, outputPrefix, appendEod, prependBos, workers,
                skip, maxTokens);
    }

    public PreprocessOptions withJsonKey(String key) {
        return new PreprocessOptions(inputs, key, tokenizer, outputPrefix, appendEod, prependBos, workers,
                skipBadLines, maxTokens);
    }

    public PreprocessOptions withSpecialTokens(boolean eod, boolean bos) {
        return new PreprocessOptions(inputs, jsonKey, tokenizer, outputPrefix, eod, bos, workers, skipBadLines,
                maxTokens);
    }

    /** The dataset prefix actually written: {@code {outputPrefix}_{jsonKey}_document}. */
    public Path datasetPrefix() {
        return outputPrefix.resolveSibling(outputPrefix.getFileName() + "_" + jsonKey + "_document");
    }
}
