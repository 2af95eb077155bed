package org.llemma4j.parallel.device.cuda;

import java.lang.reflect.Method;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.global.torch_cuda;
import org.llemma4j.parallel.device.DeviceException;

/**
 * The name CUDA reports for a device ({@code "NVIDIA H100 80GB HBM3"}), from {@code torch_cuda.getDeviceProperties}.
 *
 * <p>That method returns the {@code org.bytedeco:cuda} presets' {@code cudaDeviceProp}, a class that only the
 * {@code -Pcuda} build has on its class path. Compiling against it would put that jar on every build's class path
 * (and the CPU build must not change), so its one field we need is read through reflection; the struct belongs to
 * libtorch's table of device properties and is not ours to free.
 */
final class CudaDeviceName {

    private CudaDeviceName() {
    }

    static String of(byte deviceIndex) {
        try {
            Method properties = torch_cuda.class.getMethod("getDeviceProperties", byte.class);
            Object props = properties.invoke(null, deviceIndex);
            BytePointer name = (BytePointer) props.getClass().getMethod("name").invoke(props);
            return name.getString().strip();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new DeviceException("cuda:" + deviceIndex + ": cannot read the device's name from"
                    + " torch_cuda.getDeviceProperties (" + e + "); the -Pcuda build puts the org.bytedeco:cuda jars"
                    + " on the class path", e);
        }
    }
}
