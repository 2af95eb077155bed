/**
 * The Megatron / GPT-NeoX indexed dataset: a {@code prefix.bin} of raw little-endian tokens and a
 * {@code prefix.idx} describing its sequences and documents. Owns the on-disk format (reading, validating,
 * writing) and nothing above it: sample indices and blending are built on top of {@link
 * org.llemma4j.data.indexed.IndexedDataset}.
 */
package org.llemma4j.data.indexed;
