/**
 * Models read from disk for generation and conversion: a checkpoint's step directory or a Hugging Face Llama
 * directory, its architecture through the one GPT-NeoX-keys mapping, its tensors through the model table.
 */
package org.llemma4j.runtime.model;
