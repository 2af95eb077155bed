package org.llemma4j.data.indexed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llemma4j.data.Fixtures;

/** Reads the three Megatron fixtures and checks them against their independent descriptions. */
class IndexedDatasetFixtureTest {

    static final Path SYNTHETIC = Fixtures.resolve("megatron/synthetic-int32/test_text_document");
    static final Path AG_NEWS = Fixtures.resolve("megatron/ag-news-uint16/ag_news_prompt_text_document");
    static final Path EMPTY = Fixtures.resolve("megatron/empty/megatron_test_text_sentence");
    static final int SYNTHETIC_EOD = 131072;

    /** The documents of test.jsonl: whitespace-separated integer ids, plus the EOD the fixture appended. */
    static List<int[]> syntheticDocuments() throws Exception {
        List<int[]> docs = new ArrayList<>();
        for (String line : Files.readAllLines(SYNTHETIC.resolveSibling("test.jsonl"))) {
            if (line.isBlank()) {
                continue;
            }
            String text = line.substring(line.indexOf(": \"") + 3, line.lastIndexOf('"'));
            String[] parts = text.trim().split("\\s+");
            int[] doc = new int[parts.length + 1];
            for (int i = 0; i < parts.length; i++) {
                doc[i] = Integer.parseInt(parts[i]);
            }
            doc[parts.length] = SYNTHETIC_EOD;
            docs.add(doc);
        }
        return docs;
    }

    @Test
    void syntheticInt32MatchesJsonl() throws Exception {
        List<int[]> docs = syntheticDocuments();
        try (IndexedDataset ds = IndexedDataset.open(SYNTHETIC)) {
            assertEquals(DType.INT32, ds.dtype());
            assertEquals(1000, ds.sequenceCount());
            assertEquals(1000, ds.documentCount());
            assertEquals(docs.size(), ds.documentCount());
            assertEquals(5000, ds.tokenCount());
            for (int d = 0; d < docs.size(); d++) {
                assertEquals(d, ds.documentIndex(d));
                assertEquals(5, ds.sequenceLength(d));
                assertEquals(20L * d, ds.sequencePointer(d));
                assertArrayEquals(docs.get(d), ds.readSequence(d), "document " + d);
            }
            assertEquals(1000, ds.documentIndex(1000));
        }
    }

    @Test
    void tokenStreamCrossesSequenceBoundaries() throws Exception {
        int[] flat = syntheticDocuments().stream().flatMapToInt(java.util.Arrays::stream).toArray();
        try (IndexedDataset ds = IndexedDataset.open(SYNTHETIC)) {
            // Windows of seq_length + 1 = 13 tokens overlapping by one, as the sampler reads them.
            int[] window = new int[13];
            for (long start = 0; start + 13 <= ds.tokenCount(); start += 12) {
                ds.readTokens(start, window, 0, 13);
                for (int i = 0; i < 13; i++) {
                    assertEquals(flat[(int) start + i], window[i], "token " + (start + i));
                }
            }
            int[] all = new int[(int) ds.tokenCount() + 2];
            ds.readTokens(0, all, 1, (int) ds.tokenCount());
            assertEquals(0, all[0]);
            assertEquals(flat[flat.length - 1], all[flat.length]);
        }
    }

    @Test
    void agNewsUint16() throws Exception {
        try (IndexedDataset ds = IndexedDataset.open(AG_NEWS)) {
            assertEquals(DType.UINT16, ds.dtype());
            assertEquals(100, ds.sequenceCount());
            assertEquals(100, ds.documentCount());
            assertEquals(Files.size(IndexedDataset.binPath(AG_NEWS)) / 2, ds.tokenCount());
            assertEquals(76, ds.sequenceLength(0));
            assertEquals(152, ds.sequencePointer(1));
            long total = 0;
            for (int i = 0; i < 100; i++) {
                int[] seq = ds.readSequence(i);
                assertEquals(4999, seq[seq.length - 1], "EOD ends sequence " + i);
                for (int j = 0; j < seq.length - 1; j++) {
                    assertEquals(true, seq[j] >= 0 && seq[j] < 4999, "token " + j + " of sequence " + i);
                }
                total += seq.length;
            }
            assertEquals(ds.tokenCount(), total);
            assertArrayEquals(ds.sequenceLengths(), java.util.stream.IntStream.range(0, 100)
                    .map(ds::sequenceLength).toArray());
        }
    }

    @Test
    void emptyDataset() throws Exception {
        try (IndexedDataset ds = IndexedDataset.open(EMPTY)) {
            assertEquals(DType.UINT16, ds.dtype());
            assertEquals(0, ds.sequenceCount());
            assertEquals(0, ds.documentCount());
            assertEquals(0, ds.tokenCount());
            assertArrayEquals(new long[] {0}, ds.documentIndex());
            ds.readTokens(0, new int[0], 0, 0);
        }
    }

    @Test
    void smallChunksReadTheSameStream() throws Exception {
        for (Path prefix : List.of(SYNTHETIC, AG_NEWS)) {
            try (IndexedDataset whole = IndexedDataset.open(prefix);
                    IndexedDataset chunked = IndexedDataset.open(prefix, 24)) {
                int n = (int) whole.tokenCount();
                int[] a = new int[n];
                int[] b = new int[n];
                whole.readTokens(0, a, 0, n);
                chunked.readTokens(0, b, 0, n);
                assertArrayEquals(a, b, prefix.toString());
                for (int start = 0; start < n - 7; start += 5) {
                    int[] w = new int[7];
                    chunked.readTokens(start, w, 0, 7);
                    assertArrayEquals(java.util.Arrays.copyOfRange(a, start, start + 7), w, "at " + start);
                }
                assertArrayEquals(whole.sequenceLengths(), chunked.sequenceLengths());
                assertArrayEquals(whole.sequencePointers(), chunked.sequencePointers());
                assertArrayEquals(whole.documentIndex(), chunked.documentIndex());
            }
        }
    }
}
