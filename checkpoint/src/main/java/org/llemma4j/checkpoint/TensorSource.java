package org.llemma4j.checkpoint;

import java.io.IOException;
import org.bytedeco.pytorch.Tensor;

/**
 * Supplies a tensor by name on demand, so writers can stream a model one tensor at a time instead of holding it
 * all. What it returns may be freed by the caller's {@code PointerScope} right after it is written.
 */
@FunctionalInterface
public interface TensorSource {

    Tensor tensor(String name) throws IOException;
}
