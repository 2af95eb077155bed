package org.llemma4j.parallel;

import org.bytedeco.javacpp.Pointer;

/**
 * A reference of our own on a native object that must outlive the {@code PointerScope} open where it was created
 * (a collective's {@code Work} awaited later, a timer's CUDA events reused across steps): the scope's close drops
 * only its own reference, and the owner calls {@code releaseReference()} when done. Detaching from the scope is not
 * the same: {@code PointerScope.detach} releases the scope's reference, which frees an object that has no other.
 */
public final class OwnedPointer {

    private OwnedPointer() {
    }

    /** Takes a reference on {@code pointer} for the caller and returns it. */
    public static <P extends Pointer> P retain(P pointer) {
        pointer.retainReference();
        return pointer;
    }
}
