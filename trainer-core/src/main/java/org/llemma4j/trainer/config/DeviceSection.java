package org.llemma4j.trainer.config;

import static org.llemma4j.trainer.config.ConfigKeys.*;

import java.util.Optional;
import org.llemma4j.parallel.device.DeviceRequest;

/**
 * The device section: where each rank computes, and the peak its MFU is measured against.
 *
 * @param device     {@code device}: auto, cpu or cuda ({@link org.llemma4j.parallel.device.ComputeDevice#select})
 * @param peakTflops {@code peak_tflops}: the dense bf16 peak overriding the GPU's datasheet figure (or the CPU's
 *                   measured rate); empty to use that
 */
public record DeviceSection(DeviceRequest device, Optional<Double> peakTflops) {

    public DeviceSection {
        peakTflops.ifPresent(PEAK_TFLOPS::check);
    }

    static DeviceSection from(ParsedConfig p) {
        return new DeviceSection(DeviceRequest.parse(p.get(DEVICE)), p.given(PEAK_TFLOPS));
    }
}
