package org.llemma4j.trainer.nn;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * Rotary position embedding in the rotate-half convention of Hugging Face and GPT-NeoX: within the rotated part
 * of a head (its first {@code rotaryDims} dimensions), dimension i is paired with i + rotaryDims/2 and the pair is
 * turned by the angle pos x base^(-2i/rotaryDims). With linear scaling (position interpolation, Hugging Face's
 * {@code rope_type: linear}) the position is divided by the scaling factor first: position p is rotated as an
 * unscaled model rotates p / factor, which stretches a model trained on L positions to factor x L.
 *
 * <p>The angle tables are computed in fp64 and stored in fp32: with base 1e6 and positions up to 16k, fp32
 * products of position and frequency would already be off in the fourth digit.
 */
public final class RotaryEmbedding implements AutoCloseable {

    private final int rotaryDims;
    private final Tensor cos;      // cos: (maxPositions, rotaryDims) fp32, each half repeated
    private final Tensor sin;      // sin: (maxPositions, rotaryDims) fp32
    private final String device;   // the tables' device, libtorch's name

    /** Plain RoPE (no scaling), tables on the CPU. */
    public RotaryEmbedding(int rotaryDims, int maxPositions, double base) {
        this(rotaryDims, maxPositions, base, 1.0, ComputeDevice.cpu());
    }

    /** With linear scaling, angles of position pos / {@code scaling} (1 is plain RoPE), tables on {@code device}. */
    public RotaryEmbedding(int rotaryDims, int maxPositions, double base, double scaling, ComputeDevice device) {
        this.rotaryDims = rotaryDims;
        int half = rotaryDims / 2;
        float[] cosTable = new float[maxPositions * rotaryDims];
        float[] sinTable = new float[maxPositions * rotaryDims];
        for (int pos = 0; pos < maxPositions; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(base, -2.0 * i / rotaryDims) / scaling;
                int row = pos * rotaryDims;
                cosTable[row + i] = cosTable[row + i + half] = (float) Math.cos(angle);
                sinTable[row + i] = sinTable[row + i + half] = (float) Math.sin(angle);
            }
        }
        this.cos = onDevice(cosTable, maxPositions, rotaryDims, device, "the RoPE cos table");
        this.sin = onDevice(sinTable, maxPositions, rotaryDims, device, "the RoPE sin table");
        this.device = device.name();
    }

    // A table computed here, moved to `device` and owned by this object: (positions, rotaryDims) fp32.
    private static Tensor onDevice(float[] table, int positions, int rotaryDims, ComputeDevice device, String what) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.floatTensor(table, positions, rotaryDims).to(device.options(ScalarType.Float), false,
                    false, new MemoryFormatOptional());
            Placement.requireOn(t, device, what);
            t.retainReference();                       // outlives the scope: this object releases it in close()
            return t;
        }
    }

    /** x: (B, heads, T, headDim) -> the same shape and dtype, positions 0..T-1 rotated. */
    public Tensor apply(Tensor x) {
        return apply(x, 0);
    }

    /**
     * x: (B, heads, T, headDim) -> the same shape and dtype, positions offset..offset+T-1 rotated: the new tokens
     * of a generation step that follow {@code offset} cached ones.
     */
    public Tensor apply(Tensor x, long offset) {
        long t = x.size(2);
        if (offset < 0 || offset + t > cos.size(0)) {
            throw new IllegalArgumentException("positions " + offset + ".." + (offset + t - 1)
                    + " are outside the RoPE tables (max_position_embeddings " + cos.size(0) + ")");
        }
        Placement.requireWith(x, "the tensor to rotate", device, "RoPE's cos/sin table");
        long headDim = x.size(3);
        Tensor x32 = Tensors.atLeastFloat(x);
        Tensor rot = rotaryDims == headDim ? x32 : x32.narrow(3, 0, rotaryDims);
        int half = rotaryDims / 2;
        // rotate_half(x) x sin = [x2, x1] x [-sin, sin]: the sign goes on the (T, r) table, not on a copy of x,
        // and the second product is added in place.
        Tensor sinRows = sin.narrow(0, offset, t).to(Tensors.dtype(x32));                     // (T, r)
        Tensor signedSin = torch.cat(new TensorVector(sinRows.narrow(1, 0, half).neg(),
                sinRows.narrow(1, half, half)), 1);
        Tensor swapped = torch.cat(new TensorVector(rot.narrow(3, half, half), rot.narrow(3, 0, half)), 3);
        Tensor out = rot.mul(cos.narrow(0, offset, t).to(Tensors.dtype(x32))).addcmul_(swapped, signedSin);
        if (rotaryDims != headDim) {
            out = torch.cat(new TensorVector(out, x32.narrow(3, rotaryDims, headDim - rotaryDims)), 3);
        }
        return out.to(Tensors.dtype(x));
    }

    @Override
    public void close() {
        cos.releaseReference();
        sin.releaseReference();
    }
}
