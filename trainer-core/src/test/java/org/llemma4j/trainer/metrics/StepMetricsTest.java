package org.llemma4j.trainer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.llemma4j.parallel.device.MemoryStats;
import org.llemma4j.parallel.device.MemoryStats.Source;

/** The memory figures of a logged step keep the keys of their source: the CPU's resident set, CUDA's allocator. */
class StepMetricsTest {

    private static StepMetrics at(MemoryStats memory) {
        return new StepMetrics(10, 7.5, 4e-4, 1.25, 2000, 1000, 0.3, 2.0, 0.5, memory, 60, 0);
    }

    @Test
    void cpuMemoryIsTheResidentSetUnderItsDocumentedKeys() {
        StepMetrics m = at(new MemoryStats(Source.PROCESS_RESIDENT, 1_429_000_000L, 1_467_000_000L, 1_429_000_000L,
                1_467_000_000L));
        assertEquals(List.of("step", "loss", "lr", "grad_norm", "tokens_per_sec", "tokens_per_sec_per_rank", "mfu",
                "step_time_s", "comm_time_s", "rss_bytes", "peak_rss_bytes", "eta_s", "skipped_steps",
                "comm_fraction"), new ArrayList<>(m.fields().keySet()));
        assertEquals(1_429_000_000L, m.fields().get("rss_bytes"));
        assertEquals(1_467_000_000L, m.fields().get("peak_rss_bytes"));
        assertEquals(0.25, m.fields().get("comm_fraction"));
        assertEquals("step     10 | loss 7.5000 | lr 4.000e-04 | grad_norm 1.250 | 2,000 tok/s (1,000 per rank) | mfu"
                + " 30.0% | 2.000 s/step | comm 0.500 s (25.0%) | rss 1429 MB (peak 1467) | eta 1m00s", m.format());
    }

    @Test
    void cudaMemoryIsTheCachingAllocatorsAllocatedAndReservedBytes() {
        StepMetrics m = at(new MemoryStats(Source.CUDA_CACHING_ALLOCATOR, 30_000_000_000L, 41_000_000_000L,
                44_000_000_000L, 46_000_000_000L));
        assertEquals(List.of("step", "loss", "lr", "grad_norm", "tokens_per_sec", "tokens_per_sec_per_rank", "mfu",
                "step_time_s", "comm_time_s", "allocated_bytes", "peak_allocated_bytes", "reserved_bytes",
                "peak_reserved_bytes", "eta_s", "skipped_steps", "comm_fraction"),
                new ArrayList<>(m.fields().keySet()));
        assertEquals(30_000_000_000L, m.fields().get("allocated_bytes"));
        assertEquals(41_000_000_000L, m.fields().get("peak_allocated_bytes"));
        assertEquals(44_000_000_000L, m.fields().get("reserved_bytes"));
        assertEquals(46_000_000_000L, m.fields().get("peak_reserved_bytes"));
        assertEquals("step     10 | loss 7.5000 | lr 4.000e-04 | grad_norm 1.250 | 2,000 tok/s (1,000 per rank) | mfu"
                + " 30.0% | 2.000 s/step | comm 0.500 s (25.0%) | mem 30000 MB allocated (peak 41000), 44000 MB"
                + " reserved (peak 46000) | eta 1m00s", m.format());
    }

    @Test
    void theMetaDeviceReportsNoMemory() {
        StepMetrics m = at(MemoryStats.none());
        assertEquals(List.of("step", "loss", "lr", "grad_norm", "tokens_per_sec", "tokens_per_sec_per_rank", "mfu",
                "step_time_s", "comm_time_s", "eta_s", "skipped_steps", "comm_fraction"),
                new ArrayList<>(m.fields().keySet()));
        assertEquals("step 10: memory statistics must be given", assertThrows(
                IllegalArgumentException.class, () -> at(null)).getMessage());
    }
}
