/**
 * The {@code launch} command line: one {@link org.llemma4j.launch.Command} per verb (train, preprocess,
 * inspect-data, plan, generate, convert and the benchmarks), their options and usage errors. Commands parse and
 * report; what they run lives in the other modules ({@code runtime} puts runs together). The supervisor that starts
 * and stops a node's ranks is the {@code supervisor} sub-package.
 */
package org.llemma4j.launch;
