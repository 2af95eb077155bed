package org.llemma4j.trainer.zero;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.nn.ParameterSet;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * The fp32 gradient buffer: mirrors {@link ParameterSet#flat()} element for element (padding included), and the
 * gradients of every micro-batch are added into it, so accumulation happens in fp32 whatever the training dtype.
 */
final class GradientBuffer implements AutoCloseable {

    private final List<Param> params;
    private final Tensor all;                            // grad: (padded,) fp32
    private final String device;                         // the buffer's device, libtorch's name
    private final List<Tensor> views = new ArrayList<>(); // one per parameter, shaped like its local slice

    GradientBuffer(ParameterSet params) {
        this.params = params.params();
        Tensor flat = params.flat();
        this.all = flat.new_zeros(new long[] {flat.numel()}, Tensors.optionsLike(flat, ScalarType.Float));
        all.retainReference();
        this.device = Placement.deviceOf(all);
        Placement.requireWith(all, "the fp32 gradient buffer", flat, "the parameter buffer");
        long offset = 0;
        for (Param p : this.params) {
            Tensor view = all.narrow(0, offset, p.localNumel()).view(p.localShape());
            view.retainReference();
            views.add(view);
            offset += p.localNumel();
        }
    }

    /** Parameters in buffer order. */
    List<Param> params() {
        return params;
    }

    /** Adds {@code grad}, a gradient of parameter {@code index} (in buffer order), into the buffer. */
    void add(int index, Tensor grad) {
        Placement.requireWith(grad, "the gradient of " + params.get(index).spec().name(), device,
                "the fp32 gradient buffer");
        try (NoGradGuard noGrad = new NoGradGuard()) {
            views.get(index).add_(grad);
        }
    }

    /**
     * Moves the gradients that the last backward pass left on the parameters into the buffer and clears them. Call
     * once per micro-batch when no gradient hook did it already.
     */
    void addParameterGradients() {
        for (int i = 0; i < params.size(); i++) {
            Tensor g = params.get(i).value().grad();
            if (g.defined()) {
                add(i, g);
                g.zero_();
            }
        }
    }

    /** Drops autograd's own copies of the gradients: the hooks have added them into the buffer already. */
    void releaseParameterGradients() {
        for (Param p : params) {
            p.value().mutable_grad().reset();
        }
    }

    /** The whole buffer, (padded,) fp32. */
    Tensor all() {
        return all;
    }

    /** Elements {@code [offset, offset + length)} of the buffer, a view. */
    Tensor range(long offset, long length) {
        return all.narrow(0, offset, length);
    }

    void clear() {
        all.zero_();
    }

    @Override
    public void close() {
        views.forEach(Tensor::releaseReference);
        all.releaseReference();
    }
}
