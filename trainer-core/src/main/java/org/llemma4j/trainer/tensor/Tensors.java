package org.llemma4j.trainer.tensor;

import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;

/**
 * Small conversions between Java values and libtorch tensors that the presets do not offer directly, and the one
 * place where tensor values are read into Java ({@link #item}, {@link #toDoubles}, {@link #toFloats}): on a GPU each
 * such read waits for the device to finish everything queued before it, so the trainer makes one per optimizer
 * step, and {@link #hostReads()} counts them for the test that holds it to that.
 */
public final class Tensors {

    private static final AtomicLong HOST_READS = new AtomicLong();
    private static volatile HostReadGate gate = HostReadGate.OPEN;

    private Tensors() {
    }

    /** Reads of tensor values into Java made so far by this process (every thread). */
    public static long hostReads() {
        return HOST_READS.get();
    }

    /**
     * Installs {@code next} around every host read from now on ({@link HostReadGate#OPEN} to remove one).
     *
     * @return the gate it replaces, to be installed again when the caller is done
     */
    public static HostReadGate setHostReadGate(HostReadGate next) {
        if (next == null) {
            throw new IllegalArgumentException("host read gate must be given (HostReadGate.OPEN for none)");
        }
        HostReadGate previous = gate;
        gate = next;
        return previous;
    }

    /** The shape of {@code t} as a Java array. */
    public static long[] shape(Tensor t) {
        long[] shape = new long[(int) t.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.size(i);
        }
        return shape;
    }

    /**
     * {@code t} in the precision reductions need: fp32 for bf16/fp16/fp32 input, unchanged for fp64 (so an fp64
     * oracle run stays fp64 throughout).
     */
    public static Tensor atLeastFloat(Tensor t) {
        return dtype(t) == ScalarType.Double ? t : t.to(ScalarType.Float);
    }

    /** The dtype {@link #atLeastFloat} converts {@code t} to. */
    public static ScalarType atLeastFloatType(Tensor t) {
        return dtype(t) == ScalarType.Double ? ScalarType.Double : ScalarType.Float;
    }

    /**
     * The dtype of {@code t} as the canonical enum constant. The presets return a fresh {@code ScalarType} object
     * from {@code scalar_type()}, so comparing that with {@code ==} is always false.
     */
    public static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    /**
     * The options of {@code t} with dtype {@code dtype}: for a buffer that must live on {@code t}'s device. Created
     * inside the caller's PointerScope, which frees it.
     */
    public static TensorOptions optionsLike(Tensor t, ScalarType dtype) {
        return t.options().dtype(new ScalarTypeOptional(dtype));
    }

    /** A native scalar; created inside the caller's PointerScope, which frees it. */
    public static Scalar scalar(double value) {
        return new Scalar(value);
    }

    /**
     * A native integer scalar, for arithmetic on int64 index tensors: a floating {@link #scalar(double)} would
     * promote them to float. Created inside the caller's PointerScope, which frees it.
     */
    public static Scalar integer(long value) {
        return new Scalar(value);
    }

    /** A new int64 tensor of the given shape holding {@code values} (row-major). */
    public static Tensor longTensor(int[] values, long... shape) {
        // Copy through int32 (one bulk native copy) then widen: embedding and cross entropy want int64 indices.
        try (IntPointer data = new IntPointer(values)) {
            return torch.from_blob(data, shape, new TensorOptions(ScalarType.Int)).to(ScalarType.Long);
        }
    }

    /**
     * Token ids as a new int64 tensor of the given shape on {@code device}. On a GPU they are staged as int32 in
     * pinned host memory (libtorch's caching host allocator, which keeps a block until the copies reading it are
     * done) and copied without waiting, then widened there; on the CPU they are built in place.
     */
    public static Tensor tokens(int[] values, ComputeDevice device, long... shape) {
        if (device.kind() != DeviceKind.CUDA) {
            Tensor host = longTensor(values, shape);
            return device.kind() == DeviceKind.CPU ? host : host.to(device.options(ScalarType.Long), false, false,
                    new MemoryFormatOptional());
        }
        try (IntPointer data = new IntPointer(values)) {
            Tensor pinned = torch.from_blob(data, shape, new TensorOptions(ScalarType.Int)).pin_memory();
            return pinned.to(device.options(ScalarType.Int), true, false, new MemoryFormatOptional())
                    .to(ScalarType.Long);
        }
    }

    /** {@code t} on {@code device} in its own dtype: {@code t} itself when it is there already, else a copy. */
    public static Tensor onDevice(Tensor t, ComputeDevice device) {
        return t.to(device.options(dtype(t)), false, false, new MemoryFormatOptional());
    }

    /** A new float32 tensor holding {@code values} with the given shape. */
    public static Tensor floatTensor(float[] values, long... shape) {
        try (FloatPointer data = new FloatPointer(values)) {
            return torch.from_blob(data, shape, new TensorOptions(ScalarType.Float)).clone();
        }
    }

    /** A new float64 tensor on the CPU holding {@code values}, one dimension. */
    public static Tensor doubleTensor(double... values) {
        try (DoublePointer data = new DoublePointer(values)) {
            return torch.from_blob(data, new long[] {values.length}, new TensorOptions(ScalarType.Double)).clone();
        }
    }

    /** The elements of {@code t} converted to float32, row-major: a host read. */
    public static float[] toFloats(Tensor t) {
        HOST_READS.incrementAndGet();
        HostReadGate around = gate;
        around.beforeRead();
        try {
            Tensor contiguous = t.cpu().to(ScalarType.Float).contiguous();
            float[] out = new float[(int) contiguous.numel()];
            contiguous.data_ptr_float().get(out);
            return out;
        } finally {
            around.afterRead();
        }
    }

    /** The elements of {@code t} converted to float64, row-major: a host read. */
    public static double[] toDoubles(Tensor t) {
        HOST_READS.incrementAndGet();
        HostReadGate around = gate;
        around.beforeRead();
        try {
            Tensor contiguous = t.cpu().to(ScalarType.Double).contiguous();
            double[] out = new double[(int) contiguous.numel()];
            contiguous.data_ptr_double().get(out);
            return out;
        } finally {
            around.afterRead();
        }
    }

    /** The value of a one-element tensor: a host read. */
    public static double item(Tensor t) {
        HOST_READS.incrementAndGet();
        HostReadGate around = gate;
        around.beforeRead();
        try {
            return t.to(ScalarType.Double).item().toDouble();
        } finally {
            around.afterRead();
        }
    }
}
