package org.llemma4j.parallel.nccl;

import java.time.Duration;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.nccl.ProcessGroupNCCL;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.DistributedException;
import org.llemma4j.parallel.GroupFactory;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.RootCause;

/**
 * Builds {@code ProcessGroupNCCL}s. Each process drives the GPU {@code cuda:LOCAL_RANK}, selected and made current
 * before any group is built; NCCL communicators are created lazily by libtorch on the first collective, on the
 * device of the tensors it is given.
 *
 * <p>NCCL's classes are initialised on the first group: with the wrong jars or libraries that fails as an
 * {@code ExceptionInInitializerError} several causes deep. It is reported as a {@link DistributedException} that
 * names the rank and device and says what the build and the node need.
 */
public final class NcclGroupFactory implements GroupFactory {

    @Override
    public Backend create(Store groupStore, int groupRank, int groupSize, Duration timeout, DistEnv env,
                          ComputeDevice device) {
        if (device.kind() != DeviceKind.CUDA) {
            throw new IllegalArgumentException("rank " + env.rank() + ": NCCL needs a CUDA device, but this rank"
                    + " computes on " + device.name());
        }
        try {
            return newGroup(groupStore, groupRank, groupSize, timeout);
        } catch (RuntimeException | LinkageError e) {
            throw new DistributedException("rank " + env.rank() + " (LOCAL_RANK " + env.localRank() + ", group rank "
                    + groupRank + " of " + groupSize + ") could not build an NCCL process group on "
                    + device.description() + ": " + RootCause.of(e) + " (NCCL needs the -Pcuda build, with the"
                    + " org.bytedeco:cuda jars, and the node's NCCL library)", e);
        }
    }

    private static Backend newGroup(Store groupStore, int groupRank, int groupSize, Duration timeout) {
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
