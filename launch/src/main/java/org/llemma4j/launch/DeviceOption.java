package org.llemma4j.launch;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.checkpoint.TensorSource;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.trainer.tensor.Tensors;

/**
 * {@code --device auto|cpu|cuda} of the one-process commands that compute outside training ({@code generate},
 * {@code convert}): the same choice and the same refusals as the {@code device} key of a run (docs/gpu.md), for a
 * process that is local rank 0 of 1, so {@code cuda} means {@code cuda:0} of the GPUs {@code CUDA_VISIBLE_DEVICES}
 * shows.
 */
final class DeviceOption {

    static final String NAME = "device";

    private DeviceOption() {
    }

    /** A new option object: each command's option set holds its own. */
    static Option option(String what) {
        return Option.builder().longOpt(NAME).hasArg().argName("auto|cpu|cuda")
                .desc(what + " on: auto (default) is CUDA when libtorch sees a GPU, else the CPU; cuda needs the "
                        + "-Pcuda build").get();
    }

    /**
     * The device {@code --device} asks for, selected before anything is allocated. The CPU keeps libtorch's intra-op
     * threads as they are.
     *
     * @throws UsageException for a value other than auto, cpu, cuda
     * @throws org.llemma4j.parallel.device.DeviceException when the device asked for is not available (cuda on the
     *         CPU build: rebuild with -Pcuda; no GPU visible)
     */
    static ComputeDevice select(CommandLine line) throws UsageException {
        String value = line.getOptionValue(NAME, DeviceRequest.AUTO.configName());
        DeviceRequest request;
        try {
            request = DeviceRequest.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + NAME + " must be one of auto, cpu, cuda, got '" + value + "'");
        }
        return ComputeDevice.select(request, 0, 1, torch.get_num_threads());
    }

    /**
     * {@code host} with each tensor copied to {@code device} as it is requested (a CPU device reads them where they
     * are). The host tensor joins the caller's scope, like the device copy, so both go when the caller frees the
     * tensor it asked for.
     */
    static TensorSource onDevice(TensorSource host, ComputeDevice device) {
        if (device.kind() == DeviceKind.CPU) {
            return host;
        }
        return name -> Tensors.onDevice(host.tensor(name), device);
    }
}
