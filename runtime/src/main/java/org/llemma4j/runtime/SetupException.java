package org.llemma4j.runtime;

/**
 * A run that cannot be put together as configured: a missing or malformed data file, a data set too small for the
 * run, a config that does not fit the data. The message names the file, key or numbers at fault; the CLI prints it
 * without a stack trace.
 */
public final class SetupException extends RuntimeException {

    public SetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
