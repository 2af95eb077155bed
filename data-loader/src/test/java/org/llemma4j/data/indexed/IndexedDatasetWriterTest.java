package org.llemma4j.data.indexed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.data.InvalidDataException;

class IndexedDatasetWriterTest {

    @TempDir
    Path tmp;

    /** Re-writes every document of {@code fixture} and expects both files byte for byte. */
    private void rewriteIsByteIdentical(Path fixture, int vocab) throws Exception {
        Path out = tmp.resolve("copy");
        // The synthetic fixture's ids are raw integers far beyond its EOD, so it needs the explicit int32 writer.
        try (IndexedDataset in = IndexedDataset.open(fixture);
                IndexedDatasetWriter w = vocab > 0 ? IndexedDatasetWriter.create(out, vocab)
                        : IndexedDatasetWriter.create(out, DType.INT32)) {
            assertEquals(in.dtype(), w.dtype());
            for (long d = 0; d < in.documentCount(); d++) {
                for (long s = in.documentIndex(d); s < in.documentIndex(d + 1); s++) {
                    w.addSequence(in.readSequence(s));
                }
                w.endDocument();
            }
            w.commit();
        }
        assertArrayEquals(Files.readAllBytes(IndexedDataset.binPath(fixture)),
                Files.readAllBytes(IndexedDataset.binPath(out)), "bin of " + fixture);
        assertArrayEquals(Files.readAllBytes(IndexedDataset.idxPath(fixture)),
                Files.readAllBytes(IndexedDataset.idxPath(out)), "idx of " + fixture);
    }

    @Test
    void roundTripSyntheticInt32() throws Exception {
        rewriteIsByteIdentical(IndexedDatasetFixtureTest.SYNTHETIC, -1);
    }

    @Test
    void roundTripAgNewsUint16() throws Exception {
        rewriteIsByteIdentical(IndexedDatasetFixtureTest.AG_NEWS, 5000);
    }

    @Test
    void roundTripEmpty() throws Exception {
        rewriteIsByteIdentical(IndexedDatasetFixtureTest.EMPTY, 32000);
    }

    @Test
    void dtypeFollowsVocabulary() {
        assertEquals(DType.UINT16, DType.forVocabulary(32016));
        assertEquals(DType.UINT16, DType.forVocabulary(65499));
        assertEquals(DType.INT32, DType.forVocabulary(65500));
        assertEquals(DType.INT32, DType.forVocabulary(128256));
    }

    @Test
    void multiSequenceDocumentsAndLargeOutputSpanBuffers() throws Exception {
        Path out = tmp.resolve("multi");
        int[] big = new int[700_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (int) ((i * 7919L) % 32000);
        }
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, 32000)) {
            w.addSequence(new int[] {1, 2});
            w.addSequence(new int[] {3});
            w.endDocument();
            w.addDocument(big);
            w.endDocument(); // an empty document, as Megatron allows
            w.commit();
        }
        try (IndexedDataset ds = IndexedDataset.open(out)) {
            assertEquals(3, ds.sequenceCount());
            assertEquals(3, ds.documentCount());
            assertArrayEquals(new long[] {0, 2, 3, 3}, ds.documentIndex());
            assertArrayEquals(new int[] {3}, ds.readSequence(1));
            assertArrayEquals(big, ds.readSequence(2));
            assertEquals(3 + big.length, ds.tokenCount());
        }
    }

    @Test
    void tokenOutsideVocabularyIsRejected() throws Exception {
        Path out = tmp.resolve("bad");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, 32000)) {
            w.addDocument(new int[] {5});
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> w.addDocument(new int[] {1, 2, 32000}));
            assertEquals("token id 32000 at position 2 of document 1 cannot be written to "
                    + out.toAbsolutePath() + ".bin: the vocabulary has 32000 ids", e.getMessage());
        }
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, DType.UINT16)) {
            InvalidDataException e = assertThrows(InvalidDataException.class,
                    () -> w.addDocument(new int[] {70000}));
            assertTrue(e.getMessage().endsWith("it does not fit uint16"), e.getMessage());
        }
    }

    @Test
    void closeWithoutCommitLeavesNothing() throws Exception {
        Path out = tmp.resolve("aborted");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, 32000)) {
            w.addDocument(new int[] {1, 2, 3});
        }
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void failedRewriteKeepsThePreviousDataset() throws Exception {
        Path out = tmp.resolve("kept");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, 32000)) {
            w.addDocument(new int[] {9, 8});
            w.commit();
        }
        byte[] bin = Files.readAllBytes(IndexedDataset.binPath(out));
        assertThrows(InvalidDataException.class, () -> {
            try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, 32000)) {
                w.addDocument(new int[] {1});
                w.addDocument(new int[] {-1});
                w.commit();
            }
        });
        assertArrayEquals(bin, Files.readAllBytes(IndexedDataset.binPath(out)));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(2, files.count(), "only kept.bin and kept.idx remain");
        }
    }

    @Test
    void unfinishedDocumentIsAnError() throws Exception {
        Path out = tmp.resolve("open");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.create(out, 32000)) {
            w.addSequence(new int[] {1});
            IllegalStateException e = assertThrows(IllegalStateException.class, w::commit);
            assertEquals("1 sequences were added to " + out + " after the last endDocument()", e.getMessage());
        }
        assertFalse(Files.exists(IndexedDataset.idxPath(out)));
    }
}
