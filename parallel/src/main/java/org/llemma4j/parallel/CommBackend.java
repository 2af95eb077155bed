package org.llemma4j.parallel;

import java.lang.reflect.InvocationTargetException;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.RootCause;

/**
 * The c10d backend that carries a group's collectives.
 *
 * <p>NCCL's classes ship in the presets' API jar, but their static initializer loads {@code libtorch_cuda} and
 * NCCL, which exist only in the GPU natives ({@code linux-x86_64-gpu}). So nothing on the CPU path may touch them:
 * the NCCL factory is looked up by name only when NCCL is selected, and a CPU build never links or initializes it.
 */
public enum CommBackend {
    GLOO("org.llemma4j.parallel.gloo.GlooGroupFactory"),
    NCCL("org.llemma4j.parallel.nccl.NcclGroupFactory");

    private final String factoryClass;

    CommBackend(String factoryClass) {
        this.factoryClass = factoryClass;
    }

    /** The backend that suits tensors on {@code kind}: Gloo for CPU tensors, NCCL for CUDA tensors. */
    public static CommBackend defaultFor(DeviceKind kind) {
        return switch (kind) {
            case CPU -> GLOO;
            case CUDA -> NCCL;
            case META -> throw new IllegalArgumentException("the meta device has no collective backend");
        };
    }

    /** Parses a configuration value ({@code gloo}, {@code nccl}, case-insensitive). */
    public static CommBackend parse(String value) {
        for (CommBackend b : values()) {
            if (b.name().equalsIgnoreCase(value.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("backend '" + value + "' is not one of gloo, nccl");
    }

    /** Instantiates this backend's group factory. */
    public GroupFactory factory() {
        try {
            return (GroupFactory) Class.forName(factoryClass).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException("backend " + this + ": cannot instantiate " + factoryClass, e);
        } catch (InvocationTargetException | LinkageError e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            throw new IllegalStateException("backend " + this + " is not available here: " + RootCause.of(cause),
                    cause);
        }
    }
}
