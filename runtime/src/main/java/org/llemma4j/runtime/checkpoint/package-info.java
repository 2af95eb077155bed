/**
 * The trainer's checkpointing ({@link org.llemma4j.trainer.train.Checkpointing}) on the checkpoint module's sharded
 * safetensors: where a run's weights come from (a checkpoint to resume, one to fine-tune from, a Hugging Face
 * directory) and where its saves go, and which ranks write what.
 */
package org.llemma4j.runtime.checkpoint;
