/**
 * Hugging Face Llama directories ({@code config.json} plus one or several {@code *.safetensors}): import into
 * named tensors and export back, under Hugging Face's parameter names, which are also ours.
 */
package org.llemma4j.checkpoint.hf;
