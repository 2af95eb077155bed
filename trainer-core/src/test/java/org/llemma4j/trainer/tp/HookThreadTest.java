package org.llemma4j.trainer.tp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * On a GPU autograd calls gradient hooks on its own device threads, where no Java scope is open. f's hook, run by a
 * backward pass started on a fresh thread (autograd on the CPU runs hooks on the thread that calls backward), must
 * still free every native object it made: nothing may be left to the garbage collector.
 */
class HookThreadTest {

    @Test
    void aHookOnAThreadWithoutAScopeLeavesNothingToTheGarbageCollector() throws InterruptedException {
        RankThreads.runAll(1, 1, Duration.ofSeconds(60), dist -> {
            try (CopyToRegion f = new CopyToRegion(dist.tp())) {
                long baseline = Pointer.totalCount();
                try (PointerScope graph = new PointerScope()) {
                    Tensor x = torch.randn(new long[] {4, 8}, new TensorOptions(ScalarType.Float)).requires_grad_(true);
                    Tensor loss = f.forward(x).square().sum();
                    Thread autograd = new Thread(loss::backward, "autograd-like");
                    autograd.start();
                    autograd.join();
                    assertTrue(x.grad().defined(), "the backward pass ran through f's hook");
                    f.forward(x);                   // the next forward releases what the hook handed to autograd
                }
                long after = Pointer.totalCount();
                assertTrue(after <= baseline, (after - baseline) + " native objects outlived their scopes");
            }
        });
    }
}
