/**
 * Hugging Face model directories ({@code config.json} plus one or several {@code *.safetensors}): reading them
 * ({@link org.llemma4j.checkpoint.hf.HfDirectory}), writing them ({@link org.llemma4j.checkpoint.hf.HfExporter})
 * and converting one into a step-0 checkpoint ({@link org.llemma4j.checkpoint.hf.HfConversion}). This package knows
 * the file layout only: which tensors a model has, and what its {@code config.json} says, come from the caller (the
 * model's table and its config mapping in trainer-core), under Hugging Face's tensor names, which are also ours.
 */
package org.llemma4j.checkpoint.hf;
