package org.llemma4j.checkpoint;

/**
 * A file of a checkpoint with what {@code verify} checks it against.
 *
 * @param bytes  size of the file
 * @param crc32c CRC-32C (Castagnoli) of the whole file, 8 lowercase hex digits
 */
public record FileEntry(long bytes, String crc32c) {
}
