package org.llemma4j.data.tokenizer;

/**
 * A tokenizer as preprocessing and evaluation need it. {@link #encode} never adds BOS or EOD: the caller decides
 * (GPT-NeoX appends EOD per document and adds no BOS by default).
 *
 * <p>Implementations are thread-safe: one instance can serve every preprocessing worker.
 */
public interface Tokenizer extends AutoCloseable {

    /** The ids of {@code text}, without special tokens. */
    int[] encode(String text);

    /** The text of {@code ids}; special tokens (BOS, EOD) decode to nothing. */
    String decode(int[] ids);

    /** Number of ids, i.e. one more than the largest id. */
    int vocabSize();

    /** The end-of-document id appended after each document ({@code </s>}, 2 for Llama). */
    int eodId();

    /** The beginning-of-sequence id ({@code <s>}, 1 for Llama), or -1 when the vocabulary has none. */
    int bosId();

    /** Releases native memory; the tokenizer must not be used afterwards. */
    @Override
    void close();
}
