package org.llemma4j.trainer.tp;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * What f's backward relies on when its all-reduce fails (a dead peer, a timeout): an exception thrown by a Java
 * gradient hook reaches the caller of {@code backward()} as a Java exception carrying the message, instead of
 * crashing the process, so the trainer can report it and stop the run.
 */
class HookFailureTest {

    @Test
    void anExceptionInAGradientHookSurfacesFromBackward() {
        try (TensorTensorHook failing = new TensorTensorHook() {
                @Override
                public TensorBase call(TensorBase grad) {
                    throw new IllegalStateException("allReduce failed: peer 1 is gone");
                }
            };
             PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.floatTensor(new float[] {1, 2, 3}, 3).requires_grad_(true);
            Tensor y = x.view_as(x);
            y.register_hook(failing);
            RuntimeException e = assertThrows(RuntimeException.class, () -> y.mul(y).sum().backward());
            assertTrue(String.valueOf(e.getMessage()).contains("peer 1 is gone"), "message: " + e.getMessage());
        }
    }
}
