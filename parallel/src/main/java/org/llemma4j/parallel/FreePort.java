package org.llemma4j.parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Finds a TCP port that is free on loopback right now, by letting the kernel choose one and releasing it.
 *
 * <p>There is a window between release and reuse in which another process could take the port; the rendezvous
 * then fails with a clear "already in use" error rather than silently joining a stranger's store, which is the
 * best a launcher can do without passing a listening socket to the child.
 */
public final class FreePort {

    private FreePort() {
    }

    /** A currently free port on 127.0.0.1. */
    public static int pick() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(DistEnv.LOOPBACK))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free port on " + DistEnv.LOOPBACK, e);
        }
    }
}
