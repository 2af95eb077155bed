/** What the training loop reads: samples in training order and the loader that cuts them into batches. */
package org.llemma4j.trainer.data;
