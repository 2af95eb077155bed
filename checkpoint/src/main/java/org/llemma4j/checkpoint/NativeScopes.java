package org.llemma4j.checkpoint;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Hands a tensor computed inside a private {@link PointerScope} to the caller: the private scope frees every
 * temporary, while the result joins the scope that was open when the call began (or, with none open, belongs to
 * the caller, who closes it), exactly like the result of any libtorch call.
 */
final class NativeScopes {

    private NativeScopes() {
    }

    /** Call inside the private scope, with the scope that was current before it was opened. */
    static Tensor escape(Tensor result, PointerScope outer) {
        if (outer != null) {
            outer.attach(result);
        } else {
            result.retainReference();
        }
        return result;
    }
}
