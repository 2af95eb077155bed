/** The optimizer side of training: mixed-precision AdamW with gradient clipping, and the learning-rate schedule. */
package org.llemma4j.trainer.optim;
