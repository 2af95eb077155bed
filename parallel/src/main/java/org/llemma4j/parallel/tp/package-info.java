/**
 * Megatron's conjugate tensor-parallel operators over a tensor-parallel group: {@link
 * org.llemma4j.parallel.tp.CopyToRegion} (f) and {@link org.llemma4j.parallel.tp.ReduceFromRegion} (g).
 */
package org.llemma4j.parallel.tp;
