package org.llemma4j.data.preprocess;

import java.util.List;

/**
 * The result of tokenizing one batch of records, in record order. When a record failed, {@code documents} holds
 * the documents before it and {@code error} the failure, so the writer reports exactly the first bad record in
 * input order, whatever the worker count.
 *
 * @param textBytes the raw input size of each document
 * @param sources the records of {@code documents}, kept only when a {@link DocumentListener} wants them
 * @param inputPosition on-disk input bytes read when this batch was cut (for the ETA)
 */
record EncodedBatch(int[][] documents, int[] textBytes, int skipped, List<RawRecord> sources, Exception error,
        long inputPosition) {
}
