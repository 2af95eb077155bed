/**
 * Text to token ids and back: the {@link org.llemma4j.data.tokenizer.Tokenizer} interface and its two
 * implementations, SentencePiece ({@code tokenizer.model}, what Llemma used; encoded and decoded in Java, checked
 * id for id against SentencePiece's own library in the tests) and Hugging Face tokenizers ({@code tokenizer.json},
 * through DJL's binding of the Rust library). Owns everything about a vocabulary (size, EOD and BOS ids) and the
 * fixes that make DJL's decoder agree with the reference tokenizers.
 */
package org.llemma4j.data.tokenizer;
