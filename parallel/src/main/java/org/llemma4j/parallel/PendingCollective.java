package org.llemma4j.parallel;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Work;

/**
 * A collective in flight. {@link #await()} blocks until it completes (or the group's timeout expires) and returns
 * the tensor that holds the result; it may be called more than once. The handle owns the native objects of the call
 * (the c10d {@code Work}, its option structs and tensor vectors) and frees them in {@link #close()}, which also
 * waits if the result was not awaited yet: c10d must not see its input tensors freed while it still writes to them.
 */
public final class PendingCollective implements AutoCloseable {

    private final String description;
    private final Tensor result;
    private final Runnable onComplete;
    private final Runnable onFailure;
    private final List<Pointer> owned = new ArrayList<>();
    private Work work;
    private boolean done;
    private DistributedException failure;

    PendingCollective(String description, Runnable onFailure, Work work, Tensor result, Runnable onComplete,
                      Pointer... owned) {
        this.description = description;
        this.onFailure = onFailure;
        this.work = work;
        this.result = result;
        this.onComplete = onComplete;
        for (Pointer p : owned) {
            if (p != null) {
                this.owned.add(p);
            }
        }
    }

    /**
     * Waits for completion and returns the result tensor (owned by the caller who passed or received it).
     *
     * @throws DistributedException if the collective failed (again on every later call)
     */
    public Tensor await() {
        if (failure != null) {
            throw failure;
        }
        if (!done) {
            try {
                work._wait();
            } catch (RuntimeException e) {
                release();
                done = true;
                failure = new DistributedException(description + " failed: " + DistributedException.nativeReason(e),
                        e);
                onFailure.run();
                throw failure;
            }
            done = true;
            try {
                if (onComplete != null) {
                    onComplete.run();
                }
            } finally {
                release();
            }
        }
        return result;
    }

    /** True once the collective has finished (successfully or not), without blocking. */
    public boolean isCompleted() {
        return done || work.isCompleted();
    }

    /** What this collective is, with its group and sizes, as used in error messages. */
    public String description() {
        return description;
    }

    private void release() {
        for (Pointer p : owned) {
            p.close();
        }
        owned.clear();
        if (work != null) {
            work.close();
            work = null;
        }
    }

    /** Waits if needed, then frees the native objects of the call; throws if the collective failed unseen. */
    @Override
    public void close() {
        if (!done) {
            await();
        }
    }

    @Override
    public String toString() {
        return description + (done ? " (done)" : " (pending)");
    }
}
