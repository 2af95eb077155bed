package org.llemma4j.parallel.device;

/**
 * This process cannot compute where it was asked to: the device cannot be selected or initialised, or the run does
 * not fit it. The message names the device, the numbers involved and what to change.
 */
public class DeviceException extends RuntimeException {

    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
