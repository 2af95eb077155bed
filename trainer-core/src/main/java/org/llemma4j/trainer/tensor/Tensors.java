package org.llemma4j.trainer.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Small conversions between Java values and libtorch tensors that the presets do not offer directly. */
public final class Tensors {

    private Tensors() {
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

    /** A new float32 tensor holding {@code values} with the given shape. */
    public static Tensor floatTensor(float[] values, long... shape) {
        try (FloatPointer data = new FloatPointer(values)) {
            return torch.from_blob(data, shape, new TensorOptions(ScalarType.Float)).clone();
        }
    }

    /** The elements of {@code t} converted to float32, row-major. */
    public static float[] toFloats(Tensor t) {
        Tensor contiguous = t.to(ScalarType.Float).contiguous();
        float[] out = new float[(int) contiguous.numel()];
        contiguous.data_ptr_float().get(out);
        return out;
    }

    /** The elements of {@code t} converted to float64, row-major. */
    public static double[] toDoubles(Tensor t) {
        Tensor contiguous = t.to(ScalarType.Double).contiguous();
        double[] out = new double[(int) contiguous.numel()];
        contiguous.data_ptr_double().get(out);
        return out;
    }

    /** The value of a one-element tensor. */
    public static double item(Tensor t) {
        return t.to(ScalarType.Double).item().toDouble();
    }
}
