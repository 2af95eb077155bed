package org.llemma4j.trainer.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * Llama's feed-forward block, down(silu(gate(x)) * up(x)). Gate and up are column-parallel over the
 * intermediate features, down is row-parallel.
 */
public final class SwiGluMlp {

    private final Tensor gate;   // gate: (I_local, H)
    private final Tensor up;     // up:   (I_local, H)
    private final Tensor down;   // down: (H, I_local)
    private final TensorParallelPlan tp;

    public SwiGluMlp(Tensor gate, Tensor up, Tensor down, TensorParallelPlan tp) {
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.tp = tp;
    }

    /** x: (B, T, H) -> (B, T, H). */
    public Tensor forward(Tensor x) {
        Tensor in = tp.copyToRegion(x);
        Tensor hidden = torch.silu(torch.linear(in, gate)).mul(torch.linear(in, up));   // (B, T, I_local)
        return tp.reduceFromRegion(torch.linear(hidden, down));
    }
}
