package org.llemma4j.parallel.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ComputeDeviceTest {

    private static final long MIB = 1L << 20;

    private int threadsBefore;

    @BeforeEach
    void rememberThreads() {
        threadsBefore = torch.get_num_threads();
    }

    @AfterEach
    void restoreThreads() {
        torch.set_num_threads(threadsBefore);
    }

    @Test
    void metaOptionsCreateMetaTensorsThatAllocateNothing() {
        ComputeDevice meta = ComputeDevice.meta();
        try (PointerScope scope = new PointerScope()) {
            long rssBefore = HostMemory.residentBytes();
            // One rank's fp32 master weights of Llemma 7B: 27 GB on a real device.
            Tensor weights = torch.zeros(new long[] {6_738_415_616L}, meta.options(ScalarType.Float));
            Tensor bf16 = torch.empty(new long[] {4096, 11008}, meta.options(ScalarType.BFloat16),
                    new org.bytedeco.pytorch.MemoryFormatOptional());
            assertTrue(weights.is_meta());
            assertEquals("meta", weights.device().str().getString());
            assertEquals(6_738_415_616L * 4, weights.nbytes());
            assertTrue(bf16.is_meta());
            assertEquals(ScalarType.BFloat16, bf16.scalar_type().intern());
            assertTrue(HostMemory.residentBytes() - rssBefore < 256 * MIB, "a meta tensor holds no storage");
            assertEquals("meta", meta.device().str().getString());
        }
        assertEquals(DeviceKind.META, meta.kind());
        assertEquals(-1, meta.index());
        assertEquals("meta (shapes and dtypes only, allocates nothing)", meta.description());
        assertEquals(MemoryStats.none(), meta.memory());
        meta.requireFits(Long.MAX_VALUE, "anything");
        meta.synchronize();
    }

    @Test
    void metaHasNoPeakUnlessOneIsGiven() {
        ComputeDevice meta = ComputeDevice.meta();
        assertEquals("the meta device computes nothing and has no peak FLOP/s: set peak_tflops to compute MFU"
                + " against a chosen peak", assertThrows(DeviceException.class,
                () -> meta.peakFlops(OptionalDouble.empty())).getMessage());
        assertEquals(989e12, meta.peakFlops(OptionalDouble.of(989)));
        assertEquals("peak override -1.0 TFLOP/s must be a positive number", assertThrows(
                IllegalArgumentException.class, () -> meta.peakFlops(OptionalDouble.of(-1))).getMessage());
    }

    @Test
    void cpuOptionsCreateCpuTensorsAndTheDescriptionNamesTheMachine() {
        ComputeDevice cpu = ComputeDevice.cpu(1);
        assertEquals(1, torch.get_num_threads());
        try (PointerScope scope = new PointerScope()) {
            Tensor t = torch.ones(new long[] {2, 3}, cpu.options(ScalarType.BFloat16));
            assertTrue(t.is_cpu());
            assertEquals(ScalarType.BFloat16, t.scalar_type().intern());
            assertEquals(6.0, t.sum().item_double());
        }
        assertEquals("cpu", cpu.name());
        assertEquals("cpu, " + HostCpu.modelName() + ", 1 thread, " + Bytes.gib(HostMemory.totalBytes()),
                cpu.description());
        assertTrue(cpu.totalMemoryBytes() > 0);
        assertEquals(ComputeDevice.cpu(), cpu);
        assertNotEquals(ComputeDevice.meta(), cpu);
        cpu.synchronize();
        cpu.setSyncDebugMode(SyncDebugMode.ERROR);
    }

    @Test
    void cpuMemoryIsTheResidentSetAndItsPeakResets() {
        ComputeDevice cpu = ComputeDevice.cpu();
        MemoryStats before = cpu.memory();
        assertEquals(MemoryStats.Source.PROCESS_RESIDENT, before.source());
        assertTrue(before.currentBytes() > 0 && before.peakBytes() >= before.currentBytes(), before.toString());
        try (PointerScope scope = new PointerScope()) {
            torch.ones(new long[] {64 * MIB}, cpu.options(ScalarType.Float));   // 256 MiB, every page touched
        }
        MemoryStats after = cpu.memory();
        assertTrue(after.peakBytes() >= before.currentBytes() + 200 * MIB, before + " then " + after);
        assertTrue(cpu.resetPeakMemory(), "this Linux resets VmHWM through /proc/self/clear_refs");
        MemoryStats reset = cpu.memory();
        assertTrue(reset.peakBytes() < after.peakBytes() - 128 * MIB, after + " then " + reset);
    }

    @Test
    void timersAddUpIntervalsAndRefuseMisuse() throws InterruptedException {
        try (DeviceTimer timer = ComputeDevice.cpu().timer()) {
            assertEquals(0.0, timer.seconds());
            for (int i = 0; i < 2; i++) {
                timer.start();
                Thread.sleep(20);
                timer.stop();
            }
            assertEquals(2, timer.intervals());
            assertTrue(timer.seconds() >= 0.04, "" + timer.seconds());
            timer.start();
            assertEquals("timer read while an interval runs: stop() it first",
                    assertThrows(IllegalStateException.class, timer::seconds).getMessage());
            assertEquals("timer started twice without stop()",
                    assertThrows(IllegalStateException.class, timer::start).getMessage());
            timer.stop();
            timer.reset();
            assertEquals(0, timer.intervals());
            assertEquals(0.0, timer.seconds());
            assertEquals("timer stopped without start()",
                    assertThrows(IllegalStateException.class, timer::stop).getMessage());
        }
    }

    @Test
    void seedingRepeatsTheDraws() {
        ComputeDevice cpu = ComputeDevice.cpu();
        try (PointerScope scope = new PointerScope()) {
            cpu.seed(1234);
            Tensor a = torch.randn(new long[] {8}, cpu.options(ScalarType.Float));
            cpu.seed(1234);
            Tensor b = torch.randn(new long[] {8}, cpu.options(ScalarType.Float));
            Tensor c = torch.randn(new long[] {8}, cpu.options(ScalarType.Float));
            assertTrue(a.equal(b));
            assertFalse(a.equal(c));
        }
    }

    @Test
    void theCpuPeakIsMeasuredAndAnOverrideWins() {
        ComputeDevice cpu = ComputeDevice.cpu();
        double measured = cpu.peakFlops(OptionalDouble.empty());
        assertTrue(measured > 1e9 && measured < 1e14, "bf16 matmul rate " + measured);
        assertEquals(312e12, cpu.peakFlops(OptionalDouble.of(312)));
    }

    @Test
    void anEstimateThatDoesNotFitTheHostSharedByItsRanksNamesBothFigures() {
        ComputeDevice shared = ComputeDevice.select(DeviceRequest.CPU, 1, 2, 1);
        long total = shared.totalMemoryBytes();
        assertTrue(shared.description().endsWith(", shared by 2 ranks"), shared.description());
        shared.requireFits(total / 2, "fits exactly");
        DeviceException e = assertThrows(DeviceException.class, () -> shared.requireFits(total, "tiny config"));
        assertEquals("the per-rank memory estimate (tiny config) of " + Bytes.gib(total) + " x 2 ranks on this host = "
                + Bytes.gib(2 * total) + " does not fit the " + Bytes.gib(total) + " of this rank's device ("
                + shared.description() + "): use more ranks (model_parallel_size, ZeRO stage 1 over more"
                + " data-parallel ranks), activation checkpointing or a smaller micro-batch; `launch plan` shows the"
                + " estimate", e.getMessage());
    }

    @Test
    void anEstimateThatDoesNotFitAGpuNamesBothFigures() {
        ComputeDevice h100 = TestDevices.unreachableCuda(0, 85_031_714_816L);
        h100.requireFits(79L << 30, "fits");
        DeviceException e = assertThrows(DeviceException.class,
                () -> h100.requireFits(96L << 30, "Llemma 7B at tp 1, ZeRO stage 0"));
        assertTrue(e.getMessage().startsWith("the per-rank memory estimate (Llemma 7B at tp 1, ZeRO stage 0) of"
                + " 96.0 GiB does not fit the 79.2 GiB of this rank's device (cuda:0, selected on a machine without"
                + " a GPU): use more ranks"), e.getMessage());
        assertEquals("cuda:0", h100.name());
        assertEquals(0, h100.index());
    }

    @Test
    void memoryStatisticsAreConsistent() {
        assertEquals("allocated peak 5 bytes is below the current 10", assertThrows(IllegalArgumentException.class,
                () -> new MemoryStats(MemoryStats.Source.PROCESS_RESIDENT, 10, 5, 10, 10)).getMessage());
        assertEquals(-1, new MemoryStats(MemoryStats.Source.PROCESS_RESIDENT, -1, -1, -1, -1).peakBytes());
    }
}
