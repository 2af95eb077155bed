package org.llemma4j.checkpoint;

import java.io.IOException;

/**
 * Called by {@link CheckpointStore#commit} at each {@link SavePhase}. Tests throw from it to simulate a crash at
 * that point; production code passes {@link #NONE}.
 */
@FunctionalInterface
public interface SaveHook {

    SaveHook NONE = phase -> { };

    void reached(SavePhase phase) throws IOException;
}
