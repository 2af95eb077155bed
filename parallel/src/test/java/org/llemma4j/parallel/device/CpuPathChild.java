package org.llemma4j.parallel.device;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.FreePort;
import org.llemma4j.parallel.ReduceKind;

/**
 * Run by {@link CpuPathInitialisesNoCudaClassTest} in a JVM of its own: everything a CPU rank does with its device,
 * from selection through a Gloo collective, or (with {@code refused}) a {@code cuda} request refused on these natives.
 */
public final class CpuPathChild {

    private CpuPathChild() {
    }

    public static void main(String[] args) {
        if (args[0].equals("refused")) {
            try {
                ComputeDevice.select(DeviceRequest.CUDA, 0, 1);
                System.out.println("selected although the natives are the CPU build");
                System.exit(3);
            } catch (DeviceException e) {
                System.out.println("refused: " + e.getMessage());
            }
            return;
        }
        ComputeDevice device = ComputeDevice.select(DeviceRequest.parse(args[1]), 0, 1, 1);
        if (device.kind() != DeviceKind.CPU) {
            System.exit(4);
        }
        try (PointerScope scope = new PointerScope()) {
            device.seed(1);
            Tensor t = torch.ones(new long[] {4}, device.options(ScalarType.Float));
            device.synchronize();
            device.resetPeakMemory();
            device.memory();
            try (DeviceTimer timer = device.timer()) {
                timer.start();
                timer.stop();
                timer.seconds();
            }
            device.setSyncDebugMode(SyncDebugMode.ERROR);
            device.peakFlops(OptionalDouble.of(1));
            device.requireFits(1, "one byte");
            Duration timeout = Duration.ofSeconds(30);
            try (Distributed dist = Distributed.init(Map.of("MASTER_PORT", "" + FreePort.pick()),
                    DistOptions.on(device, 1).withTimeouts(timeout, timeout))) {
                dist.world().allReduce(t, ReduceKind.SUM);
            }
            System.out.println(device.description() + ": sum " + t.sum().item_double());
        }
    }
}
