package org.llemma4j.trainer.data;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.llemma4j.data.InvalidDataException;
import org.llemma4j.data.index.Samples;

/**
 * Cuts {@link Samples} in training order into the global batches of a data-parallel run and hands this rank its slice.
 *
 * <p>Global batch b is samples {@code [b x G, (b + 1) x G)} with {@code G = micro x accumulation x dp}. Within
 * it, micro-step m takes the {@code dp x micro} samples from {@code b x G + m x dp x micro}, and data-parallel rank
 * r trains on rows {@code [r x micro, (r + 1) x micro)} of those, so DP=2 at micro batch m sees exactly the
 * samples of DP=1 at micro batch 2m. Each rank reads only its own rows.
 *
 * <p>The whole state is the number of samples consumed (a multiple of G between steps): a loader started at
 * {@code consumedSamples = k x G} serves what an uninterrupted run serves from step k on. This rank's slice of the
 * next global batch is read on a background thread while the current one trains.
 */
public final class BatchLoader implements AutoCloseable {

    private final Samples source;
    private final int micro;
    private final int accumulation;
    private final int dp;
    private final int dpRank;
    private final long batches;
    private final int width;
    private final ExecutorService prefetch;
    private long batch;            // global batch now being served
    private int microStep;         // next micro-step within it
    private int[] current;         // this rank's rows of `batch`: accumulation x micro rows
    private Future<int[]> next;
    private long waitNanos;
    private volatile long readNanos;

    /**
     * @param batches         global batches the run will draw (train_iters); the source must hold them all
     * @param consumedSamples where to start: a multiple of the global batch size
     */
    public BatchLoader(Samples source, int micro, int accumulation, int dp, int dpRank, long batches,
                       long consumedSamples) {
        if (micro < 1 || accumulation < 1 || dp < 1 || dpRank < 0 || dpRank >= dp) {
            throw new IllegalArgumentException("micro batch " + micro + ", accumulation " + accumulation + ", dp "
                    + dp + ", dp rank " + dpRank + ": each must be positive and the rank below dp");
        }
        this.source = source;
        this.micro = micro;
        this.accumulation = accumulation;
        this.dp = dp;
        this.dpRank = dpRank;
        this.batches = batches;
        this.width = source.seqLength() + 1;
        long global = globalBatchSize();
        if (consumedSamples < 0 || consumedSamples % global != 0) {
            throw new IllegalArgumentException("consumed_samples " + consumedSamples + " is not a multiple of the "
                    + "global batch size " + global + " (micro " + micro + " x accumulation " + accumulation
                    + " x dp " + dp + ")");
        }
        if (source.size() < batches * global) {
            throw new IllegalArgumentException(source.describe() + " holds " + source.size() + " samples, fewer than "
                    + batches + " global batches of " + global + " = " + batches * global);
        }
        this.batch = consumedSamples / global;
        this.prefetch = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "batch-prefetch");
            t.setDaemon(true);
            return t;
        });
        if (batch < batches) {
            next = prefetch.submit(() -> readBatch(batch));
        }
    }

    public long globalBatchSize() {
        return (long) micro * accumulation * dp;
    }

    /**
     * This rank's rows of the next micro-step: {@code micro x (seqLength + 1)} tokens, row-major, in a new array.
     *
     * @throws IllegalStateException after the last of the {@code batches} global batches
     */
    public int[] nextMicroBatch() {
        if (current == null || microStep == accumulation) {
            if (batch + (current == null ? 0 : 1) >= batches) {
                throw new IllegalStateException("all " + batches + " global batches have been served");
            }
            if (current != null) {
                batch++;
            }
            long start = System.nanoTime();
            try {
                current = next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for global batch " + batch, e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("reading global batch " + batch + " failed: " + cause, cause);
            }
            waitNanos += System.nanoTime() - start;
            microStep = 0;
            long following = batch + 1;
            next = following < batches ? prefetch.submit(() -> readBatch(following)) : null;
        }
        int rowLen = micro * width;
        int[] out = new int[rowLen];
        System.arraycopy(current, microStep * rowLen, out, 0, rowLen);
        microStep++;
        return out;
    }

    /** This rank's rows of global batch {@code b}, micro-step by micro-step. */
    int[] readBatch(long b) throws InvalidDataException {
        long start = System.nanoTime();
        int[] rows = new int[accumulation * micro * width];
        long first = b * globalBatchSize();
        for (int m = 0; m < accumulation; m++) {
            long stepFirst = first + (long) m * dp * micro + (long) dpRank * micro;
            for (int k = 0; k < micro; k++) {
                source.sample(stepFirst + k, rows, (m * micro + k) * width);
            }
        }
        readNanos += System.nanoTime() - start;
        return rows;
    }

    /** Global sample index of row {@code k} of micro-step {@code m} of global batch {@code b} on this rank. */
    public long sampleIndex(long b, int m, int k) {
        return b * globalBatchSize() + (long) m * dp * micro + (long) dpRank * micro + k;
    }

    /** Samples of all ranks consumed so far: the loader's whole state. */
    public long consumedSamples() {
        long servedSteps = current == null ? 0 : microStep;
        return batch * globalBatchSize() + servedSteps * dp * micro;
    }

    /** Time the trainer spent waiting for a batch that was not ready yet. */
    public long waitNanos() {
        return waitNanos;
    }

    /** Time the prefetch thread spent reading batches. */
    public long readNanos() {
        return readNanos;
    }

    @Override
    public void close() {
        prefetch.shutdownNow();
    }
}
