/**
 * The Llama architecture: its configuration ({@link org.llemma4j.trainer.model.LlamaConfig}), its parameter table
 * under Hugging Face names ({@link org.llemma4j.trainer.model.LlamaLayout}, from which allocation, checkpoints,
 * Hugging Face import and export and the planner's counts derive), its forward pass, and generation as the same
 * forward pass plus a key-value cache. The sub-package {@code hf} maps a Hugging Face {@code config.json} to and
 * from {@link org.llemma4j.trainer.model.LlamaConfig}.
 */
package org.llemma4j.trainer.model;
