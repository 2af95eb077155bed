package org.llemma4j.launch.supervisor;

import java.time.Duration;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.parallel.ReduceKind;

/**
 * A rank that does what a training rank does first: reads the supervisor's environment, joins the rendezvous,
 * builds its groups over Gloo and sums a tensor with the others. Exits 0 only if the sum is right.
 */
public final class SupervisedCollectiveChild {

    private SupervisedCollectiveChild() {
    }

    public static void main(String[] args) {
        Duration timeout = Duration.ofSeconds(30);
        int status;
        try (Distributed dist = Distributed.init(System.getenv(), DistOptions.cpu(1).withTimeouts(timeout, timeout));
             Tensor t = torch.ones(8)) {
            int world = dist.dims().worldSize();
            t.mul_(new org.bytedeco.pytorch.Scalar(dist.env().rank() + 1.0));
            dist.world().allReduce(t, ReduceKind.SUM);
            double expected = world * (world + 1) / 2.0 * 8;
            double got = t.sum().item_double();
            System.out.println("sum " + got + " expected " + expected);
            status = got == expected ? 0 : 5;
        }
        System.out.flush();
        Runtime.getRuntime().halt(status);
    }
}
