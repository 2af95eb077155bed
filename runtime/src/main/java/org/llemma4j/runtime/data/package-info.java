/**
 * The samples a config describes, opened and checked once: the blended training set in GPT-NeoX's order and the
 * validation sets, as data-loader's {@link org.llemma4j.data.index.Samples} for the trainer's batch loader.
 */
package org.llemma4j.runtime.data;
