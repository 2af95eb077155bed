package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.junit.jupiter.api.Test;

/** A retained object survives the scope it was made in and is freed by its owner's release; a detached one is not. */
class OwnedPointerTest {

    @Test
    void aRetainedObjectOutlivesItsScopeUntilReleased() {
        TensorOptions options;
        try (PointerScope scope = new PointerScope()) {
            options = OwnedPointer.retain(new TensorOptions());
        }
        assertFalse(options.isNull(), "the scope's close must not free an object we hold a reference on");
        options.releaseReference();
        assertTrue(options.isNull(), "the owner's release frees it");
    }

    @Test
    void detachingFromTheScopeFreesAnObjectWithNoOtherReference() {
        try (PointerScope scope = new PointerScope()) {
            TensorOptions options = new TensorOptions();
            scope.detach(options);
            assertTrue(options.isNull(), "why OwnedPointer retains instead of detaching");
        }
    }
}
