package org.llemma4j.launch;

/** Wrong command-line arguments: printed to the user without a stack trace, followed by the usage. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
