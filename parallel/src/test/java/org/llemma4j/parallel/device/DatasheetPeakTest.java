package org.llemma4j.parallel.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The dense bf16 peaks by the names CUDA reports (as nvidia-smi and torch.cuda.get_device_name show them). */
class DatasheetPeakTest {

    private static double tflops(String name) {
        return DatasheetPeak.bf16Flops(name).orElseThrow() / 1e12;
    }

    @Test
    void knownGpus() {
        assertEquals(989, tflops("NVIDIA H200"));
        assertEquals(989, tflops("NVIDIA H100 80GB HBM3"));
        assertEquals(756, tflops("NVIDIA H100 PCIe"));
        assertEquals(312, tflops("NVIDIA A100-SXM4-40GB"));
        assertEquals(312, tflops("NVIDIA A100-SXM4-80GB"));
        assertEquals(312, tflops("NVIDIA A100 80GB PCIe"));
    }

    @Test
    void variantsWithAnotherPeakAreNotTakenForTheSxmPart() {
        assertEquals(OptionalDouble.empty(), DatasheetPeak.bf16Flops("NVIDIA H100 NVL"));
        assertEquals(OptionalDouble.empty(), DatasheetPeak.bf16Flops("NVIDIA H200 NVL"));
        assertEquals(OptionalDouble.empty(), DatasheetPeak.bf16Flops("NVIDIA GH200 480GB"));
        assertEquals(OptionalDouble.empty(), DatasheetPeak.bf16Flops("NVIDIA L40S"));
    }

    @Test
    void anUnknownGpuAsksForTheOverrideKey() {
        DeviceException e = assertThrows(DeviceException.class,
                () -> DatasheetPeak.requireBf16Flops("NVIDIA L40S", "cuda:1"));
        assertEquals("the GPU 'NVIDIA L40S' on cuda:1 has no dense bf16 peak in llemma4j's datasheet table (A100 312,"
                + " H100 SXM 989, H100 PCIe 756, H200 989 TFLOP/s): set peak_tflops to its dense bf16 TFLOP/s (the"
                + " datasheet's figure without sparsity) so MFU can be computed", e.getMessage());
        assertEquals(989e12, DatasheetPeak.requireBf16Flops("NVIDIA H200", "cuda:0"));
    }

    @Test
    void thePlannersRowsAreTheRowsCudaNamesFind() {
        assertEquals(GpuModel.A100_40GB, GpuModel.byDeviceName("NVIDIA A100-SXM4-40GB").orElseThrow());
        assertEquals(GpuModel.A100_40GB, GpuModel.byDeviceName("NVIDIA A100-PCIE-40GB").orElseThrow());
        assertEquals(GpuModel.A100_80GB, GpuModel.byDeviceName("NVIDIA A100-SXM4-80GB").orElseThrow());
        assertEquals(GpuModel.A100_80GB, GpuModel.byDeviceName("NVIDIA A100 80GB PCIe").orElseThrow());
        assertEquals(GpuModel.H100_80GB, GpuModel.byDeviceName("NVIDIA H100 80GB HBM3").orElseThrow());
        assertEquals(GpuModel.H100_PCIE, GpuModel.byDeviceName("NVIDIA H100 PCIe").orElseThrow());
        assertEquals(GpuModel.H200, GpuModel.byDeviceName("NVIDIA H200").orElseThrow());
        assertEquals(GpuModel.H200, GpuModel.byCliName("H200"));
        assertEquals(143_771L << 20, GpuModel.H200.memoryBytes());
        assertEquals("unknown GPU 'v100'; known: a100-40gb, a100-80gb, h100-80gb, h100-pcie, h200",
                assertThrows(IllegalArgumentException.class, () -> GpuModel.byCliName("v100")).getMessage());
    }
}
