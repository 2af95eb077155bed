/** What the training loop reads: token streams and the sampler that turns them into batches. */
package org.llemma4j.trainer.data;
