package org.llemma4j.parallel.gloo;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.gloo.Device;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.GroupFactory;
import org.llemma4j.parallel.device.ComputeDevice;

/**
 * Builds {@code ProcessGroupGloo}s.
 *
 * <p>The transport device decides which address a rank advertises to its peers. On a single-node job (loopback
 * master) we bind to 127.0.0.1 so nothing listens on or talks to another interface; across nodes we honour
 * {@code GLOO_SOCKET_IFNAME} as PyTorch does, else Gloo picks the address the host name resolves to.
 */
public final class GlooGroupFactory implements GroupFactory {

    @Override
    public Backend create(Store groupStore, int groupRank, int groupSize, Duration timeout, DistEnv env,
                          ComputeDevice computeDevice) {
        Milliseconds millis = new Milliseconds(timeout.toMillis());
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(millis);
        Device device = device(env);
        try {
            options.devices().push_back(device);
            return new ProcessGroupGloo(groupStore, groupRank, groupSize, options);
        } finally {
            // The options and the device are reference-counted on the C++ side; the process group keeps its own
            // references, so our handles can go now.
            device.close();
            options.close();
            millis.close();
        }
    }

    private static Device device(DistEnv env) {
        String iface = System.getenv("GLOO_SOCKET_IFNAME");
        if (env.isLoopback()) {
            return ProcessGroupGloo.createDeviceForHostname(DistEnv.LOOPBACK);
        }
        if (iface != null && !iface.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(iface.split(",")[0].trim());
        }
        return ProcessGroupGloo.createDefaultDevice();
    }
}
