package org.llemma4j.checkpoint;

import java.io.IOException;

/** A checkpoint directory, manifest or tensor index that is missing, inconsistent or does not fit a request. */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
