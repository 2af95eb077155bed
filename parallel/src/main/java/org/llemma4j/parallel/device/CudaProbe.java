package org.llemma4j.parallel.device;

import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * What this process's libtorch says about CUDA, read through {@code global.torch} alone: the CUDA-only classes
 * ({@code torch_cuda}, {@code cuda.*}) fail their class initialisation with the CPU natives, so they are never
 * touched here.
 *
 * <p>Whether the natives are the CUDA build is asked of libtorch's CUDA hooks: the GPU natives register them, and
 * their {@code isBuilt()} is true whether or not a GPU is present; the CPU natives have only the default hooks,
 * whose {@code isBuilt()} is false. That reads a flag, initialises no CUDA and prints nothing, so a CPU build stays
 * silent. The device count is asked only of a CUDA build.
 *
 * @param nativesBuilt whether the loaded libtorch is the CUDA build ({@code linux-x86_64-gpu})
 * @param deviceCount CUDA devices this process sees; 0 when the natives are the CPU build
 * @param natives where the loaded libtorch came from (the natives jar, as JavaCPP's cache names it), for messages
 * @param visibleDevices {@code CUDA_VISIBLE_DEVICES} as set, or {@code "unset"}, for messages
 */
public record CudaProbe(boolean nativesBuilt, int deviceCount, String natives, String visibleDevices) {

    /** {@link #visibleDevices} when {@code CUDA_VISIBLE_DEVICES} is not set. */
    static final String UNSET = "unset";

    public CudaProbe {
        if (deviceCount < 0) {
            throw new IllegalArgumentException("CUDA device count " + deviceCount + " must be >= 0");
        }
        if (!nativesBuilt && deviceCount > 0) {
            throw new IllegalArgumentException("CPU natives cannot see " + deviceCount + " CUDA devices");
        }
        if (natives == null || natives.isBlank() || visibleDevices == null || visibleDevices.isBlank()) {
            throw new IllegalArgumentException("natives and visible devices must be named (\"unset\" if not set)");
        }
    }

    /** Asks the loaded libtorch. */
    public static CudaProbe detect() {
        boolean built = torch.getCUDAHooks().isBuilt();
        int count = built ? torch.cuda_device_count() : 0;
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        return new CudaProbe(built, count, loadedNatives(), visible == null ? UNSET : "'" + visible + "'");
    }

    /**
     * The natives jar the JNI glue was extracted from ({@code pytorch-2.10.0-1.5.13-linux-x86_64.jar}: JavaCPP's
     * cache keeps one directory per jar), else the library's path, for a message that says which build this is.
     */
    static String loadedNatives() {
        Map<String, String> loaded = Loader.getLoadedLibraries();
        String path = loaded.get("jnitorch");
        if (path == null) {
            return "libjnitorch from an unknown place";
        }
        for (Path part : Path.of(path)) {
            if (part.toString().endsWith(".jar")) {
                return part.toString();
            }
        }
        return path;
    }
}
