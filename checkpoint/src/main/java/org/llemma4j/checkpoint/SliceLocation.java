package org.llemma4j.checkpoint;

/**
 * Where one stored piece of a tensor is, as the manifest's index records it: which file, under which key, and which
 * part of the tensor it holds.
 *
 * <p>A tensor split by tensor parallelism is a sequence of <em>blocks</em> along its split dimension: the block
 * {@code [offset, offset + length)} is what one TP rank holds, shaped like the whole tensor except in that
 * dimension. A replicated tensor is one block, the whole tensor ({@code offset} 0, {@code length} its size in
 * dimension 0). A block is stored either whole (model files: the stored tensor has the block's shape) or, for
 * ZeRO-sharded optimizer state, as several 1-D pieces in different files: elements
 * {@code [flatStart, flatStart + flatLength)} of the block in row-major order.
 *
 * @param file       file name within the step directory
 * @param key        the tensor's name inside that file
 * @param offset     start of the block along the split dimension
 * @param length     size of the block along the split dimension
 * @param flatStart  first element of the block this piece holds (row-major)
 * @param flatLength elements this piece holds
 */
public record SliceLocation(String file, String key, long offset, long length, long flatStart, long flatLength) {
}
