/**
 * The training configuration: reading GPT-NeoX-style YAML files, merging them, applying {@code key=value}
 * overrides, and turning the result into one immutable, validated {@link org.llemma4j.trainer.config.TrainConfig}.
 *
 * <p>This package owns the key vocabulary. Every key the trainer understands is declared exactly once, in
 * {@link org.llemma4j.trainer.config.ConfigKeys}, with its type, default, validation and a one-line doc (the style
 * of Kafka's {@code ProducerConfig}). GPT-NeoX keys that the trainer deliberately does not use are listed in
 * {@link org.llemma4j.trainer.config.IgnoredKeys}; they are accepted with a single warning so that an unmodified
 * GPT-NeoX config (Llemma's included) loads. Any other key is an error that suggests the nearest known key.
 *
 * <p>A {@code TrainConfig} is a holder of section records ({@code TrainingSection}, {@code ParallelismSection},
 * {@code OptimizerSection}, {@code LoggingSection}, {@code CheckpointSection}, {@code DataSection}, and the model's
 * {@code LlamaConfig} read by {@code ModelSection}), each built from its keys by a factory in its own file, which
 * also holds the rules between those keys. Its resolved view is made by walking the declarations, each key with the
 * value its section read it as ({@code ParsedConfig} records them), so the keys are not listed a second time.
 *
 * <p>Key names are GPT-NeoX's, with {@code -} and {@code _} treated as the same character (normalized to
 * {@code _}). Every error is a {@link org.llemma4j.trainer.config.ConfigException} whose message names the key in
 * that spelling and the offending value, because the key is what the user has to go and fix.
 *
 * <p>Everything is checked here, before any tensor is allocated: a typo in a 34B config should cost a second,
 * not a cluster allocation.
 */
package org.llemma4j.trainer.config;
