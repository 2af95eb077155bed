/**
 * Text to token ids and back: the {@link org.llemma4j.data.tokenizer.Tokenizer} interface and its two
 * implementations over DJL's native libraries, SentencePiece ({@code tokenizer.model}, what Llemma used) and
 * Hugging Face tokenizers ({@code tokenizer.json}). Owns everything about a vocabulary (size, EOD and BOS ids)
 * and the fixes that make DJL's encoders agree with the reference tokenizers.
 */
package org.llemma4j.data.tokenizer;
