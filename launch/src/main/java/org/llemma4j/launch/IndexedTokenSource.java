package org.llemma4j.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.llemma4j.data.indexed.IndexedDataset;
import org.llemma4j.trainer.data.TokenSource;

/** A Megatron/GPT-NeoX indexed dataset as the token stream the trainer reads. */
final class IndexedTokenSource implements TokenSource, AutoCloseable {

    private final IndexedDataset dataset;

    private IndexedTokenSource(IndexedDataset dataset) {
        this.dataset = dataset;
    }

    static IndexedTokenSource open(Path prefix) {
        try {
            return new IndexedTokenSource(IndexedDataset.open(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public long totalTokens() {
        return dataset.tokenCount();
    }

    @Override
    public void read(long first, int[] dst, int off, int len) {
        try {
            dataset.readTokens(first, dst, off, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return dataset.prefix().toString();
    }

    @Override
    public void close() {
        dataset.close();
    }
}
