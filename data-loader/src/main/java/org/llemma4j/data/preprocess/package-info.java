/**
 * {@code launch preprocess}: {@code .jsonl}, {@code .jsonl.zst} and {@code .txt} corpora to a GPT-NeoX indexed
 * dataset, with several tokenizing workers. Owns input discovery, line reading and JSON extraction, the ordered
 * worker pipeline (output is identical whatever the worker count) and progress reporting. The command-line
 * parsing lives in {@code launch}; everything it needs is {@link org.llemma4j.data.preprocess.PreprocessOptions}
 * and {@link org.llemma4j.data.preprocess.Preprocessor}.
 */
package org.llemma4j.data.preprocess;
