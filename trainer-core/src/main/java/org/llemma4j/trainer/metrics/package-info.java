/** What a run reports: per-step metrics, the FLOP model behind MFU, the measured peak, and process memory. */
package org.llemma4j.trainer.metrics;
