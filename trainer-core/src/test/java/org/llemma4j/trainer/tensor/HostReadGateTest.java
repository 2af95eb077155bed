package org.llemma4j.trainer.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Every host read goes through the installed gate, before and after, also when the read fails. */
class HostReadGateTest {

    /** Records the calls, and the host-read count each one saw. */
    private static final class Recording implements HostReadGate {
        final List<String> calls = new ArrayList<>();

        @Override
        public void beforeRead() {
            calls.add("before " + Tensors.hostReads());
        }

        @Override
        public void afterRead() {
            calls.add("after " + Tensors.hostReads());
        }
    }

    @Test
    void everyKindOfReadPassesTheGate() {
        Recording gate = new Recording();
        HostReadGate previous = Tensors.setHostReadGate(gate);
        try (PointerScope scope = new PointerScope()) {
            long start = Tensors.hostReads();
            Tensor t = Tensors.doubleTensor(1.5, 2.5);
            assertArrayEquals(new double[] {1.5, 2.5}, Tensors.toDoubles(t));
            assertArrayEquals(new float[] {1.5f, 2.5f}, Tensors.toFloats(t));
            assertEquals(2.5, Tensors.item(t.select(0, 1)));
            List<String> want = new ArrayList<>();
            for (long read = start + 1; read <= start + 3; read++) {
                want.add("before " + read);
                want.add("after " + read);
            }
            assertEquals(want, gate.calls);
        } finally {
            assertSame(gate, Tensors.setHostReadGate(previous));
        }
    }

    @Test
    void aFailedReadStillClosesTheGate() {
        Recording gate = new Recording();
        HostReadGate previous = Tensors.setHostReadGate(gate);
        try (PointerScope scope = new PointerScope()) {
            Tensor two = Tensors.doubleTensor(1, 2);
            assertThrows(RuntimeException.class, () -> Tensors.item(two));   // item() of two elements
            assertEquals(2, gate.calls.size(), gate.calls.toString());
            assertEquals("after", gate.calls.get(1).split(" ")[0]);
        } finally {
            Tensors.setHostReadGate(previous);
        }
        assertThrows(IllegalArgumentException.class, () -> Tensors.setHostReadGate(null));
    }
}
