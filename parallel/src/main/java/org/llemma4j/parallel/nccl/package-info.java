/**
 * The NCCL backend (GPU collectives). Only ever loaded by name through
 * {@link org.llemma4j.parallel.CommBackend#factory()} when a configuration selects CUDA: its classes compile against
 * the presets' API jar, but initializing them needs the GPU natives.
 */
package org.llemma4j.parallel.nccl;
