package org.llemma4j.parallel.device;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.OptionalDouble;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where this rank computes: THE one place every tensor factory takes its device from ({@link #options},
 * {@link #device}), and what the trainer asks of the device around its steps: synchronisation, memory statistics,
 * interval timing, the peak for MFU, seeding, the start line.
 *
 * <p>Chosen once per process, before anything is allocated: {@link #select} for a run (the {@code device} key and
 * the rank's {@code LOCAL_RANK}), {@link #cpu(int)} or {@link #meta()} directly in tests and tools. On CUDA the
 * selection makes {@code cuda:LOCAL_RANK} the current device of the selecting thread, so it must come before any
 * process group is built. The CUDA implementation lives in {@code device.cuda} and is loaded by name only when
 * CUDA is selected: with the CPU natives its classes cannot even be initialised, and a CPU run never loads them.
 *
 * <p>Immutable and cheap; it owns no native memory (each {@link #device()} and {@link #options} call returns a new
 * object that the caller's {@code PointerScope} frees).
 */
public final class ComputeDevice {

    private static final String CUDA_BACKEND = "org.llemma4j.parallel.device.cuda.CudaBackend";

    private final DeviceBackend backend;

    ComputeDevice(DeviceBackend backend) {
        if (backend == null) {
            throw new IllegalArgumentException("a compute device needs a backend");
        }
        this.backend = backend;
    }

    /** The CPU with libtorch's intra-op threads as they are; one rank's use of this host. */
    public static ComputeDevice cpu() {
        return new ComputeDevice(new CpuBackend(1));
    }

    /** The CPU with {@code threads} intra-op threads (set now, for the whole process). */
    public static ComputeDevice cpu(int threads) {
        return cpu(threads, 1);
    }

    private static ComputeDevice cpu(int threads, int hostRanks) {
        if (threads < 1) {
            throw new IllegalArgumentException("CPU threads " + threads + " must be >= 1");
        }
        torch.set_num_threads(threads);
        return new ComputeDevice(new CpuBackend(hostRanks));
    }

    /** libtorch's {@code meta} device, for tests: tensors with shapes and dtypes, no storage. */
    public static ComputeDevice meta() {
        return new ComputeDevice(new MetaBackend());
    }

    /**
     * Selects this rank's device with the CPU's intra-op threads shared evenly between the node's ranks.
     *
     * @see #select(DeviceRequest, int, int, int)
     */
    public static ComputeDevice select(DeviceRequest request, int localRank, int localWorldSize) {
        return select(request, localRank, localWorldSize,
                Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, localWorldSize)));
    }

    /**
     * Selects this rank's device before anything is allocated: {@code cpu}, or {@code cuda:localRank} (cuda:0 when
     * the job gives each process one GPU) made the current device of the calling thread; {@code auto} is CUDA when
     * libtorch sees a CUDA device.
     *
     * @param cpuThreads libtorch's intra-op threads on the CPU (set on the CPU only; a GPU rank leaves them be)
     * @throws DeviceException when CUDA is requested but this build has the CPU natives or the node no GPU, when
     *         the node has fewer GPUs than {@code localWorldSize}, or when the GPU cannot be initialised
     */
    public static ComputeDevice select(DeviceRequest request, int localRank, int localWorldSize, int cpuThreads) {
        CudaProbe probe = CudaProbe.detect();
        DeviceKind kind = DeviceSelection.resolve(request, probe, localRank, localWorldSize);
        return kind == DeviceKind.CUDA ? cuda(DeviceSelection.cudaIndex(probe, localRank))
                : cpu(cpuThreads, localWorldSize);
    }

    /**
     * Loads the CUDA implementation by name: only here does a CUDA-only class get initialised. Called once selection
     * has checked the index against the node's devices.
     */
    static ComputeDevice cuda(int index) {
        try {
            DeviceBackend cuda = (DeviceBackend) Class.forName(CUDA_BACKEND).getConstructor(int.class)
                    .newInstance(index);
            return new ComputeDevice(cuda);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof DeviceException d) {
                throw d;
            }
            throw new DeviceException("cuda:" + index + " could not be initialised: " + RootCause.of(cause)
                    + " (a -Pcuda build needs the org.bytedeco:cuda jars and the node's CUDA 13 libraries)", cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new DeviceException("cuda:" + index + " could not be initialised: " + RootCause.of(e)
                    + " (a -Pcuda build needs the org.bytedeco:cuda jars and the node's CUDA 13 libraries)", e);
        }
    }

    public DeviceKind kind() {
        return backend.kind();
    }

    /** The CUDA device index ({@code LOCAL_RANK}); -1 for the CPU and {@code meta}. */
    public int index() {
        return backend.index();
    }

    /** libtorch's name of the device: {@code cpu}, {@code cuda:1}, {@code meta}. */
    public String name() {
        return switch (backend.kind()) {
            case CPU -> "cpu";
            case META -> "meta";
            case CUDA -> "cuda:" + backend.index();
        };
    }

    /** The libtorch device; a new native object that the caller's {@code PointerScope} frees. */
    public Device device() {
        return new Device(name());
    }

    /**
     * Tensor options for {@code dtype} on this device, for every factory ({@code zeros}, {@code empty},
     * {@code randn}, ...); a new native object that the caller's {@code PointerScope} frees.
     */
    public TensorOptions options(ScalarType dtype) {
        return new TensorOptions(device()).dtype(new ScalarTypeOptional(dtype));
    }

    /**
     * For the rank-0 start line: {@code "cuda:0, NVIDIA H200, 139.8 GiB"}, {@code "cpu, AMD EPYC ..., 2 threads,
     * ..."}.
     */
    public String description() {
        return backend.description();
    }

    /** The device's memory in bytes: the GPU's, the host's on the CPU, 0 for {@code meta}; -1 if unreadable. */
    public long totalMemoryBytes() {
        return backend.totalMemoryBytes();
    }

    /**
     * Makes this the calling thread's current device. Selection does it for the selecting thread; CUDA's current
     * device is per thread, so another thread that queues GPU work outside a device guard calls this first.
     */
    public void makeCurrent() {
        backend.makeCurrent();
    }

    /** Waits until the device has run everything queued (CUDA); nothing to wait for on the CPU and {@code meta}. */
    public void synchronize() {
        backend.synchronize();
    }

    /** Allocated and reserved bytes now and at their peak (see {@link MemoryStats} for what each device counts). */
    public MemoryStats memory() {
        return backend.memory();
    }

    /**
     * Starts the peaks of {@link #memory()} afresh from the current figures.
     *
     * @return false where the peak cannot be reset (a CPU without {@code /proc/self/clear_refs}): peaks then count
     *         from the process start
     */
    public boolean resetPeakMemory() {
        return backend.resetPeakMemory();
    }

    /** A new interval timer on this device's clock; the caller closes it. */
    public DeviceTimer timer() {
        return backend.timer();
    }

    /**
     * The dense bf16 peak in FLOP/s, the denominator of MFU: {@code overrideTflops} when given (the
     * {@code peak_tflops} key), else the GPU's datasheet figure ({@link DatasheetPeak}) or, on the CPU, the
     * measured bf16 matmul rate (a second of work; call it once).
     *
     * @throws DeviceException for a GPU not in the datasheet table, or {@code meta}, without an override
     */
    public double peakFlops(OptionalDouble overrideTflops) {
        if (overrideTflops.isPresent()) {
            double tflops = overrideTflops.getAsDouble();
            if (!(tflops > 0) || Double.isInfinite(tflops)) {
                throw new IllegalArgumentException("peak override " + tflops + " TFLOP/s must be a positive number");
            }
            return tflops * 1e12;
        }
        return backend.bf16PeakFlops();
    }

    /** Seeds the CPU generator and, on CUDA, every GPU's generator. */
    public void seed(long seed) {
        backend.seed(seed);
    }

    /** libtorch's CUDA synchronisation debug mode; the CPU and {@code meta} have no device to wait for. */
    public void setSyncDebugMode(SyncDebugMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("sync debug mode must be given");
        }
        backend.setSyncDebugMode(mode);
    }

    /**
     * Checks, before anything is allocated, that a rank's memory estimate fits this device: a GPU's total memory,
     * or on the CPU the host's memory shared by the job's ranks on it. {@code meta} allocates nothing and always
     * fits; a host whose memory cannot be read ({@code /proc} missing) is not checked.
     *
     * @param estimateBytes the per-rank estimate (the planner's weights, gradients, optimizer state, activations)
     * @param estimate what the estimate covers, for the message
     * @throws DeviceException naming both figures when it does not fit
     */
    public void requireFits(long estimateBytes, String estimate) {
        if (estimateBytes < 0) {
            throw new IllegalArgumentException("memory estimate " + estimateBytes + " bytes must be >= 0");
        }
        long total = backend.totalMemoryBytes();
        if (backend.kind() == DeviceKind.META || total < 0) {
            return;
        }
        int ranks = backend.ranksSharingMemory();
        if (estimateBytes > total / ranks) {
            String need = ranks == 1 ? Bytes.gib(estimateBytes)
                    : String.format(Locale.ROOT, "%s x %d ranks on this host = %s", Bytes.gib(estimateBytes), ranks,
                            Bytes.gib(estimateBytes * ranks));
            throw new DeviceException(String.format(Locale.ROOT,
                    "the per-rank memory estimate (%s) of %s does not fit the %s of this rank's device (%s): use"
                            + " more ranks (model_parallel_size, ZeRO stage 1 over more data-parallel ranks),"
                            + " activation checkpointing or a smaller micro-batch; `launch plan` shows the estimate",
                    estimate, need, Bytes.gib(total), description()));
        }
    }

    /** Devices are equal when libtorch's name is: two selections of {@code cuda:1} are the same GPU. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ComputeDevice other && name().equals(other.name());
    }

    @Override
    public int hashCode() {
        return name().hashCode();
    }

    @Override
    public String toString() {
        return name();
    }
}
