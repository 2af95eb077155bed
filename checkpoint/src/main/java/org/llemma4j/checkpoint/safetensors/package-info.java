/**
 * The safetensors file format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw little-endian data. Files written here load in Python's {@code safetensors}
 * and {@code transformers}; files written there load here.
 */
package org.llemma4j.checkpoint.safetensors;
