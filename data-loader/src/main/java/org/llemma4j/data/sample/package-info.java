/**
 * The embedded sample data under {@code data/sample/}: the tool that regenerates it from the proof-pile-2-mini
 * fixture through the ordinary preprocessing pipeline, together with its attribution ({@code NOTICE}).
 */
package org.llemma4j.data.sample;
