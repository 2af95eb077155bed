package org.llemma4j.checkpoint.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file that breaks the format, or a write that does not match what was declared. */
public class SafetensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    public SafetensorsException(Path file, String message) {
        super(file + ": " + message);
    }

    public SafetensorsException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
