package org.llemma4j.trainer.tensor;

/**
 * Called around every read of tensor values into Java ({@link Tensors#toDoubles}, {@link Tensors#toFloats},
 * {@link Tensors#item}): those reads are the synchronisations the trainer means to make. The GPU check installs
 * one that lifts libtorch's CUDA sync-debug error mode for the duration of each read, so that any other
 * synchronisation of a training step throws. {@link #OPEN}, which does nothing, is installed by default.
 */
public interface HostReadGate {

    /** Does nothing around reads. */
    HostReadGate OPEN = new HostReadGate() {
        @Override
        public void beforeRead() {
        }

        @Override
        public void afterRead() {
        }
    };

    /** Before the read's copy to the host is queued. */
    void beforeRead();

    /** After the values are in Java, also when the read failed. */
    void afterRead();
}
