package org.llemma4j.parallel;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.AllgatherOptions;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.ReduceOptions;
import org.bytedeco.pytorch.ReduceScatterOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;

/**
 * The collectives the trainer uses, over one {@link CommGroup}: all-reduce, reduce-scatter and all-gather of flat
 * buffers (ZeRO-1), reduce to one rank (ZeRO-1's overlapped gradient buckets), broadcast and barrier. Each exists
 * synchronously and asynchronously ({@code ...Async} returns a {@link PendingCollective}; the synchronous form is
 * the asynchronous one awaited at once).
 *
 * <p>Tensors must be dense and contiguous, on the group's device; results are written in place or into the given
 * output, and the input tensors must stay alive until the collective completes. Reduce-scatter and all-gather may
 * also run in place, in the layout NCCL defines for it: the shard is this rank's slot of the full buffer, elements
 * {@code [rank * n, (rank + 1) * n)} (a shard that overlaps the buffer anywhere else is refused). Errors (a peer
 * that died, a timeout, mismatched sizes) arrive as {@link DistributedException}s naming the operation, the group,
 * this rank and the sizes.
 */
public final class Collectives {

    private final CommGroup group;
    private final ReduceScatterMode reduceScatterMode;
    private final Runnable onFailure;

    /** Collectives over {@code group}, reduce-scattering the way measured fastest for its backend. */
    public Collectives(CommGroup group) {
        this(group, ReduceScatterMode.preferredFor(group.kind()));
    }

    public Collectives(CommGroup group, ReduceScatterMode reduceScatterMode) {
        this(group, reduceScatterMode, () -> { });
    }

    /**
     * @param onFailure called when a collective fails (before its exception is thrown), so the owner can tell that
     *                  the job is broken and skip waiting for peers at shutdown
     */
    public Collectives(CommGroup group, ReduceScatterMode reduceScatterMode, Runnable onFailure) {
        this.group = group;
        this.reduceScatterMode = reduceScatterMode;
        this.onFailure = onFailure;
    }

    public CommGroup group() {
        return group;
    }

    /** Reduces {@code tensor} across the group, in place. */
    public void allReduce(Tensor tensor, ReduceKind op) {
        allReduceAsync(tensor, op).close();
    }

    /** Starts an in-place all-reduce of {@code tensor}. */
    public PendingCollective allReduceAsync(Tensor tensor, ReduceKind op) {
        String what = describe("allReduce(" + op + ")", tensor);
        requireUsable(tensor, what);
        TensorVector tensors = keep(new TensorVector(tensor));
        ReduceOp reduceOp = keep(op.toNative());
        AllreduceOptions options = keep(new AllreduceOptions());
        options.reduceOp(reduceOp);
        Work work = start(what, () -> backend().allreduce(tensors, options), tensors, reduceOp, options);
        return new PendingCollective(what, onFailure, work, tensor, null, tensors, reduceOp, options);
    }

    /**
     * Starts a reduction of {@code tensor} across the group into group rank {@code root}'s {@code tensor}; on the
     * other ranks {@code tensor} is left undefined (backends may use it as scratch space).
     */
    public PendingCollective reduceAsync(Tensor tensor, ReduceKind op, int root) {
        String what = describe("reduce(" + op + ", root " + root + ")", tensor);
        requireRoot(root, what);
        requireUsable(tensor, what);
        TensorVector tensors = keep(new TensorVector(tensor));
        ReduceOp reduceOp = keep(op.toNative());
        ReduceOptions options = keep(new ReduceOptions());
        options.reduceOp(reduceOp).rootRank(root).rootTensor(0);
        Work work = start(what, () -> backend().reduce(tensors, options), tensors, reduceOp, options);
        return new PendingCollective(what, onFailure, work, tensor, null, tensors, reduceOp, options);
    }

    /**
     * Reduces the flat {@code input} (size x n elements) across the group and returns this rank's n-element shard
     * {@code [rank*n, (rank+1)*n)} as a new tensor (owned by the caller). {@code input} is left unchanged.
     */
    public Tensor reduceScatter(Tensor input, ReduceKind op) {
        Tensor out = input.new_empty(new long[] {shardLength(input, "reduceScatter(" + op + ")")});
        reduceScatterAsync(input, out, op).close();
        return out;
    }

    /**
     * Reduce-scatter into a caller-owned {@code output} of {@code input.numel() / size} elements; {@code output} may
     * be this rank's slot of {@code input} (in place: the rest of {@code input} is left unchanged).
     */
    public void reduceScatter(Tensor input, Tensor output, ReduceKind op) {
        reduceScatterAsync(input, output, op).close();
    }

    /** Starts a reduce-scatter of the flat {@code input} into {@code output} (this rank's shard). */
    public PendingCollective reduceScatterAsync(Tensor input, Tensor output, ReduceKind op) {
        String what = describe("reduceScatter(" + op + ", " + reduceScatterMode + ")", input);
        requireUsable(input, what);
        requireUsable(output, what);
        long n = shardLength(input, what);
        if (output.numel() != n) {
            throw new IllegalArgumentException(what + ": output has " + output.numel() + " elements, expected "
                    + input.numel() + " / " + group.size() + " = " + n);
        }
        requireOwnSlotIfAliased(input, output, "output", what);
        ReduceOp reduceOp = keep(op.toNative());
        if (reduceScatterMode == ReduceScatterMode.ALL_REDUCE) {
            Tensor full = keep(input.clone());
            TensorVector tensors = keep(new TensorVector(full));
            AllreduceOptions options = keep(new AllreduceOptions());
            options.reduceOp(reduceOp);
            Work work = start(what, () -> backend().allreduce(tensors, options), tensors, reduceOp, options, full);
            Runnable copyShard = () -> {
                try (Tensor flat = full.view(-1); Tensor mine = flat.narrow(0, group.rank() * n, n);
                     Tensor target = output.view(-1)) {
                    target.copy_(mine).close();
                }
            };
            return new PendingCollective(what, onFailure, work, output, copyShard, tensors, reduceOp, options, full);
        }
        ReduceScatterOptions options = keep(new ReduceScatterOptions());
        options.reduceOp(reduceOp);
        Work work = start(what, () -> backend()._reduce_scatter_base(output, input, options), reduceOp, options);
        return new PendingCollective(what, onFailure, work, output, null, reduceOp, options);
    }

    /**
     * Gathers every rank's flat {@code shard} (n elements each) into a new flat tensor of size x n elements, in
     * group-rank order (owned by the caller).
     */
    public Tensor allGather(Tensor shard) {
        Tensor out = shard.new_empty(new long[] {shard.numel() * group.size()});
        allGatherAsync(shard, out).close();
        return out;
    }

    /**
     * All-gather into a caller-owned flat {@code output} of {@code shard.numel() * size} elements. In place when
     * {@code shard} is this rank's slot of {@code output} ({@code output.narrow(0, rank * n, n)}): no temporary of
     * the whole buffer on NCCL, whose all-gather reads its input from where it writes this rank's part.
     */
    public void allGather(Tensor shard, Tensor output) {
        allGatherAsync(shard, output).close();
    }

    /** Starts an all-gather of {@code shard} into {@code output}. */
    public PendingCollective allGatherAsync(Tensor shard, Tensor output) {
        String what = describe("allGather", shard);
        requireUsable(shard, what);
        requireUsable(output, what);
        if (output.numel() != shard.numel() * group.size()) {
            throw new IllegalArgumentException(what + ": output has " + output.numel() + " elements, expected "
                    + shard.numel() + " x " + group.size() + " = " + shard.numel() * group.size());
        }
        requireOwnSlotIfAliased(output, shard, "shard", what);
        AllgatherOptions options = keep(new AllgatherOptions());
        Work work = start(what, () -> backend()._allgather_base(output, shard, options), options);
        return new PendingCollective(what, onFailure, work, output, null, options);
    }

    /** Overwrites {@code tensor} on every rank with its value on group rank {@code root}. */
    public void broadcast(Tensor tensor, int root) {
        broadcastAsync(tensor, root).close();
    }

    /** Starts a broadcast from group rank {@code root}. */
    public PendingCollective broadcastAsync(Tensor tensor, int root) {
        String what = describe("broadcast(root " + root + ")", tensor);
        requireRoot(root, what);
        requireUsable(tensor, what);
        TensorVector tensors = keep(new TensorVector(tensor));
        BroadcastOptions options = keep(new BroadcastOptions());
        options.rootRank(root).rootTensor(0);
        Work work = start(what, () -> backend().broadcast(tensors, options), tensors, options);
        return new PendingCollective(what, onFailure, work, tensor, null, tensors, options);
    }

    /** Returns once every member of the group has entered the barrier. */
    public void barrier() {
        String what = "barrier on " + group;
        Work work = start(what, () -> backend().barrier());
        new PendingCollective(what, onFailure, work, null, null).close();
    }

    /**
     * Takes a reference on a native object of the call, released by {@link PendingCollective} (or by the error path
     * of {@link #start}). Why: the caller may issue an asynchronous collective inside a {@code PointerScope} and
     * await it after the scope closed; without our own reference the scope would free the {@code Work} (and the
     * option structs) of a collective still in flight.
     */
    private static <P extends Pointer> P keep(P pointer) {
        return OwnedPointer.retain(pointer);
    }

    private Backend backend() {
        return group.backend();
    }

    /** Enqueues a collective, turning an immediate native failure into a described error (and freeing our args). */
    private Work start(String what, java.util.function.Supplier<Work> enqueue, Pointer... owned) {
        try {
            return keep(enqueue.get());
        } catch (RuntimeException e) {
            onFailure.run();
            for (Pointer p : owned) {
                if (p != null) {
                    p.close();
                }
            }
            throw new DistributedException(what + " failed: " + DistributedException.nativeReason(e), e);
        }
    }

    private long shardLength(Tensor input, String what) {
        long total = input.numel();
        if (total % group.size() != 0) {
            throw new IllegalArgumentException(what + ": " + total + " elements are not divisible by group size "
                    + group.size() + " (remainder " + (total % group.size()) + ")");
        }
        return total / group.size();
    }

    private void requireRoot(int root, String what) {
        if (root < 0 || root >= group.size()) {
            throw new IllegalArgumentException(what + ": root " + root + " is outside 0.." + (group.size() - 1));
        }
    }

    /**
     * A {@code slot} that shares memory with {@code whole} must be this rank's part of it, the in-place layout of
     * NCCL's reduce-scatter and all-gather (and what Gloo's copies handle as well): anywhere else the collective
     * would overwrite data it has still to read.
     */
    private void requireOwnSlotIfAliased(Tensor whole, Tensor slot, String name, String what) {
        if (!slot.is_alias_of(whole) || slot.element_size() != whole.element_size()) {
            return;
        }
        long start = slot.storage_offset() - whole.storage_offset();
        long n = slot.numel();
        boolean overlaps = start < whole.numel() && start + n > 0;
        if (overlaps && start != group.rank() * n) {
            throw new IllegalArgumentException(what + ": the " + name + " overlaps the full buffer at elements ["
                    + start + ", " + (start + n) + "), but in place it must be this rank's slot [" + group.rank() * n
                    + ", " + (group.rank() + 1) * n + ") (group rank " + group.rank() + ")");
        }
    }

    /**
     * Dense, contiguous and, on NCCL, on a CUDA device: NCCL moves no host memory, and a CPU tensor that slipped
     * through (a Java double turned into a tensor without a device) is named here rather than by NCCL.
     */
    private void requireUsable(Tensor t, String what) {
        if (t == null || t.isNull()) {
            throw new IllegalArgumentException(what + ": tensor is null");
        }
        if (!t.is_contiguous()) {
            throw new IllegalArgumentException(what + ": tensor is not contiguous (call contiguous() first)");
        }
        if (group.kind() == CommBackend.NCCL && !t.is_cuda()) {
            String device;
            try (Device d = t.device(); BytePointer name = d.str()) {
                device = name.getString();
            }
            throw new IllegalArgumentException(what + ": the tensor is on " + device + ", but NCCL only moves CUDA"
                    + " tensors: create it on the rank's device");
        }
    }

    private String describe(String op, Tensor t) {
        String shape = t == null || t.isNull() ? "null" : t.numel() + " " + t.scalar_type() + " elements";
        return op + " of " + shape + " on " + group;
    }
}
