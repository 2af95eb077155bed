/** The training loop: micro-batches, gradient accumulation, the optimizer step, and what it reports. */
package org.llemma4j.trainer.train;
