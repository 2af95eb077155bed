package org.llemma4j.data.preprocess;

import java.nio.file.Path;

/**
 * One undecoded input record: a JSON line, or a whole text file. Bytes stay raw until a worker decodes them, so
 * the single reader thread does no more than decompress and split.
 *
 * @param line 1-based line number of the record's first line (1 for a text file)
 */
record RawRecord(Path file, long line, byte[] bytes, boolean json) {
}
