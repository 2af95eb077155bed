/**
 * Sharded checkpoints: the directory layout ({@code latest}, {@code step-NNNNNN/}), atomic saves, the manifest with
 * its tensor index, and reads that reassemble a tensor for any tensor-parallel layout.
 *
 * <p>Sub-packages: {@code safetensors} (the file format), {@code io} (durable writes), {@code hf} (Hugging Face
 * Llama import and export).
 */
package org.llemma4j.checkpoint;
