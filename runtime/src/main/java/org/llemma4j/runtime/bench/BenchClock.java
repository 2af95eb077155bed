package org.llemma4j.runtime.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.LongSupplier;

/**
 * What the step benchmarks time with. Wall time is what a user waits for; the calling thread's CPU time is the
 * work itself, which other processes on a shared machine do not inflate. With one intra-op thread libtorch runs
 * every operation on the calling thread, and with OPENBLAS_NUM_THREADS=1 so does OpenBLAS (libtorch's fp32 matrix
 * multiplies), so its CPU time is the whole computation; with more threads it is not.
 */
public enum BenchClock implements LongSupplier {
    /** Elapsed nanoseconds. */
    WALL,
    /** Nanoseconds of CPU time of the calling thread (meaningful with one intra-op thread only). */
    CPU;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Override
    public long getAsLong() {
        return this == WALL ? System.nanoTime() : THREADS.getCurrentThreadCpuTime();
    }
}
