package org.llemma4j.trainer.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.trainer.tensor.Placement;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * Owns every parameter of the model: one contiguous buffer in the training dtype, of which each parameter is a
 * view (Megatron's layout, which the fp32 gradient buffer and the optimizer mirror element for element).
 *
 * <p>Parameters that take weight decay come first in the buffer, so the optimizer decays one prefix of it
 * instead of walking a mask.
 *
 * <p>Initialization does not depend on the tensor-parallel degree: each whole tensor is drawn from a generator
 * seeded by the run seed and the parameter's name, then this rank keeps its slice. TP=1 and TP=2 therefore start
 * from the same model.
 */
public final class ParameterSet implements AutoCloseable {

    private final Tensor flat;                          // flat: (padded,) training dtype, does not require grad
    private final Map<String, Param> params;            // in buffer order
    private final long decayedNumel;
    private final long numel;

    private ParameterSet(Tensor flat, Map<String, Param> params, long decayedNumel, long numel) {
        this.flat = flat;
        this.params = params;
        this.decayedNumel = decayedNumel;
        this.numel = numel;
    }

    /**
     * Allocates and initializes the parameters {@code declared} for this rank of {@code tp}.
     *
     * @param dtype the training dtype of the parameters (bf16, or fp32 for oracles)
     * @param seed  the run seed ({@code seed})
     * @param std   {@code init_method_std}
     */
    public static ParameterSet allocate(List<ParamDeclaration> declared, TensorParallelPlan tp, ScalarType dtype,
                                        long seed, double std) {
        return allocate(declared, tp, dtype, seed, std, 1, ComputeDevice.cpu());
    }

    /**
     * As {@link #allocate(List, TensorParallelPlan, ScalarType, long, double)}, on {@code device}, with the flat
     * buffer padded with zeros to a multiple of {@code padMultiple} elements, so that it splits into equal
     * data-parallel shards. The initial values are drawn on the CPU (the same numbers on every device) and copied
     * over; on the {@code meta} device, which holds no values, nothing is drawn.
     */
    public static ParameterSet allocate(List<ParamDeclaration> declared, TensorParallelPlan tp, ScalarType dtype,
                                        long seed, double std, int padMultiple, ComputeDevice device) {
        List<ParamDeclaration> ordered = new ArrayList<>(declared.stream().filter(ParamDeclaration::decay).toList());
        ordered.addAll(declared.stream().filter(d -> !d.decay()).toList());

        long total = 0;
        long decayed = 0;
        for (ParamDeclaration d : ordered) {
            long n = d.spec().localNumel(tp.size());
            total += n;
            if (d.decay()) {
                decayed += n;
            }
        }
        long padded = (total + padMultiple - 1) / padMultiple * padMultiple;
        Tensor flat = Placement.requireOn(torch.zeros(new long[] {padded}, device.options(dtype)), device,
                "the flat parameter buffer");
        flat.retainReference();
        boolean draw = device.kind() != DeviceKind.META;

        Map<String, Param> params = new LinkedHashMap<>();
        long offset = 0;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (ParamDeclaration d : ordered) {
                ParamSpec spec = d.spec();
                long[] local = spec.localShape(tp.size());
                long n = spec.localNumel(tp.size());
                Tensor view = flat.narrow(0, offset, n).view(local);
                if (draw) {
                    try (PointerScope scope = new PointerScope()) {
                        view.copy_(initialSlice(spec, d.init(), local, tp.rank(), seed, std));
                    }
                }
                view.requires_grad_(true);
                view.retainReference();
                params.put(spec.name(), new Param(spec, view, d.decay()));
                offset += n;
            }
        }
        return new ParameterSet(flat, Collections.unmodifiableMap(params), decayed, total);
    }

    // The whole tensor drawn in fp32 from its own generator, then this rank's slice of it: (local shape) fp32.
    private static Tensor initialSlice(ParamSpec spec, Init init, long[] local, int tpRank, long seed, double std) {
        Tensor whole = switch (init) {
            case ONES -> torch.ones(spec.fullShape(), new TensorOptions(ScalarType.Float));
            case NORMAL -> torch.normal(0.0, std, spec.fullShape(),
                    new GeneratorOptional(torch.make_generator_cpu(parameterSeed(seed, spec.name()))),
                    new TensorOptions(ScalarType.Float));
        };
        if (spec.shardDim() == ShardDim.REPLICATED) {
            return whole;
        }
        int dim = spec.shardDim().dim();
        return whole.narrow(dim, tpRank * local[dim], local[dim]);
    }

    /** A generator seed per parameter, stable across JVMs (String.hashCode is specified). */
    static long parameterSeed(long seed, String name) {
        return seed * 1_000_003L + name.hashCode();
    }

    /** The parameter called {@code name}; an error names it if the model has no such parameter. */
    public Tensor get(String name) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("the model has no parameter " + name);
        }
        return p.value();
    }

    /** All parameters in buffer order (decayed ones first). */
    public List<Param> params() {
        return List.copyOf(params.values());
    }

    /** The declarations of {@link #params()}, in buffer order: the layout of {@link #flat()}. */
    public List<ParamSpec> specs() {
        return params.values().stream().map(Param::spec).toList();
    }

    /** The contiguous buffer every parameter is a view of, padded at its end to equal data-parallel shards. */
    public Tensor flat() {
        return flat;
    }

    /** Elements at the start of {@link #flat()} that take weight decay. */
    public long decayedNumel() {
        return decayedNumel;
    }

    /** Parameter elements held by this rank (without the padding). */
    public long numel() {
        return numel;
    }

    @Override
    public void close() {
        for (Param p : params.values()) {
            p.value().releaseReference();
        }
        flat.releaseReference();
    }
}
