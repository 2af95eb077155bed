/** The Llama architecture: its configuration, its parameter layout under Hugging Face names, and its forward pass. */
package org.llemma4j.trainer.model;
