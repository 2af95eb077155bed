/**
 * Token data for training: the Megatron / GPT-NeoX indexed dataset ({@code .bin} + {@code .idx}), tokenizers, and
 * the preprocessing that turns {@code jsonl[.zst]} corpora into indexed datasets. This module produces token
 * arrays, never tensors, and depends on no other llemma4j module.
 *
 * <p>This package itself only owns {@link org.llemma4j.data.InvalidDataException}, the error every reader here
 * throws for input that is present but wrong.
 */
package org.llemma4j.data;
