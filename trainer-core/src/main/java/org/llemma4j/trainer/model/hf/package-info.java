/**
 * The Llama side of Hugging Face import and export: what a {@code config.json} means for a
 * {@link org.llemma4j.trainer.model.LlamaConfig} and back, which tensors a directory of that config holds (the
 * model's table) and which extra ones may be skipped. The checkpoint module reads and writes the files; it learns
 * the model from here, through its callers.
 */
package org.llemma4j.trainer.model.hf;
