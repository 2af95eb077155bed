package org.llemma4j.data;

import java.io.IOException;

/**
 * Input that exists but is malformed: a corrupt index, a bad JSON line, an unknown token id. The message always
 * names the file and the offending size, key or line, because the user fixing it sees only the message.
 */
public class InvalidDataException extends IOException {

    private static final long serialVersionUID = 1L;

    public InvalidDataException(String message) {
        super(message);
    }

    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
