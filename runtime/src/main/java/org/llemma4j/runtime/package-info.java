/**
 * Where a training run is put together: {@link org.llemma4j.runtime.TrainingRun} builds the device, the
 * distributed context, the data, the checkpointing and the trainer from a config; the CLI, the multi-process tests
 * and the benchmarks all start runs through it. Its sub-packages adapt the other modules to the trainer:
 * {@code data} (the configured samples), {@code checkpoint} (sharded safetensors checkpoints as the trainer's
 * {@code Checkpointing}), {@code model} (models read from checkpoints and Hugging Face directories) and
 * {@code bench} (the benchmarks).
 */
package org.llemma4j.runtime;
