package org.llemma4j.trainer.data;

/** A dataset seen as one stream of token ids, its documents concatenated (EOD tokens included). */
public interface TokenSource {

    /** Tokens in the stream. */
    long totalTokens();

    /** Copies tokens {@code first .. first+len-1} of the stream into {@code dst[off ..]}. */
    void read(long first, int[] dst, int off, int len);

    /** A name for messages: the dataset's path prefix. */
    String name();
}
