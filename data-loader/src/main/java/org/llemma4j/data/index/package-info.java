/**
 * GPT-NeoX's order of training samples over indexed datasets: the document shuffle, the sample index that cuts
 * documents into {@code seq_length + 1}-token samples and the shuffle over those ({@link
 * org.llemma4j.data.index.GptDataset}, {@link org.llemma4j.data.index.GptSampleIndex}), weighted blending of several
 * datasets ({@link org.llemma4j.data.index.BlendedDataset}), the train/validation/test split ({@link
 * org.llemma4j.data.index.DataSets}), and numpy's MT19937 so the order matches GPT-NeoX's sample for sample. What the
 * trainer reads is one interface, {@link org.llemma4j.data.index.Samples}.
 */
package org.llemma4j.data.index;
