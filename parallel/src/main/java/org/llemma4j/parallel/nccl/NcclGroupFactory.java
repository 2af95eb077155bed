package org.llemma4j.parallel.nccl;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.GroupFactory;

/**
 * Builds {@code ProcessGroupNCCL}s. Each process drives the GPU {@code cuda:LOCAL_RANK}; NCCL communicators are
 * created lazily by libtorch on the first collective, on the device of the tensors it is given.
 */
public final class NcclGroupFactory implements GroupFactory {

    /** Fails early, with the reason, rather than on the first collective. */
    public NcclGroupFactory() {
        if (!torch.cuda_is_available()) {
            throw new IllegalStateException("NCCL was selected but libtorch sees no CUDA device (are the "
                    + "linux-x86_64-gpu natives on the class path, i.e. built with -Pcuda?)");
        }
    }

    @Override
    public Backend create(Store groupStore, int groupRank, int groupSize, Duration timeout, DistEnv env) {
        int devices = torch.cuda_device_count();
        if (env.localRank() >= devices) {
            throw new IllegalStateException("rank " + env.rank() + " has LOCAL_RANK " + env.localRank()
                    + " but this node has " + devices + " CUDA devices");
        }
        ProcessGroupNCCL.Options options = ProcessGroupNCCL.Options.create();
        Milliseconds millis = new Milliseconds(timeout.toMillis());
        try {
            options.timeout(millis);
            return new ProcessGroupNCCL(groupStore, groupRank, groupSize, options);
        } finally {
            options.close();
            millis.close();
        }
    }
}
