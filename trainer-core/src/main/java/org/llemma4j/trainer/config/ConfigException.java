package org.llemma4j.trainer.config;

/**
 * A configuration that cannot be used. The message names the offending key (GPT-NeoX spelling, underscores) and
 * the value or numbers that are wrong, so it can be shown to the user as it is.
 */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
