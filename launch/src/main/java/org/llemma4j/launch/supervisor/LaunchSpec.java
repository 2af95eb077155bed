package org.llemma4j.launch.supervisor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the supervisor launches and how.
 *
 * @param javaBinary the {@code java} executable for the children (normally the supervisor's own)
 * @param classpath the children's class path
 * @param jvmArgs options for the child JVMs (e.g. {@code -Xmx8g})
 * @param mainClass the class each child runs
 * @param args arguments of that main class
 * @param nprocPerNode ranks on this node
 * @param nnodes nodes in the job
 * @param nodeRank this node's index (0 serves the rendezvous)
 * @param masterAddr address of node 0 ({@code 127.0.0.1} on a single node)
 * @param masterPort rendezvous port; {@code 0} picks a free one (single node only), anew at each restart
 * @param maxRestarts how many times all ranks are restarted after a failure
 * @param gracePeriod how long a stopped rank may take to exit after SIGTERM before it is killed
 * @param extraEnv variables added to every child's environment (after the inherited ones)
 * @param workDir the children's working directory, or {@code null} for the supervisor's
 */
public record LaunchSpec(String javaBinary, String classpath, List<String> jvmArgs, String mainClass,
                         List<String> args, int nprocPerNode, int nnodes, int nodeRank, String masterAddr,
                         int masterPort, int maxRestarts, Duration gracePeriod, Map<String, String> extraEnv,
                         Path workDir) {

    public LaunchSpec {
        if (javaBinary == null || javaBinary.isBlank()) {
            throw new IllegalArgumentException("java binary is empty");
        }
        if (mainClass == null || mainClass.isBlank()) {
            throw new IllegalArgumentException("main class is empty");
        }
        if (nprocPerNode < 1) {
            throw new IllegalArgumentException("nproc-per-node " + nprocPerNode + " must be >= 1");
        }
        if (nnodes < 1) {
            throw new IllegalArgumentException("nnodes " + nnodes + " must be >= 1");
        }
        if (nodeRank < 0 || nodeRank >= nnodes) {
            throw new IllegalArgumentException("node rank " + nodeRank + " is outside 0.." + (nnodes - 1)
                    + " (nnodes " + nnodes + ")");
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new IllegalArgumentException("master address is empty");
        }
        if (masterPort < 0 || masterPort > 65535) {
            throw new IllegalArgumentException("master port " + masterPort + " is outside 0..65535");
        }
        if (masterPort == 0 && nnodes > 1) {
            throw new IllegalArgumentException("master port 0 (pick a free one) only works on a single node: the "
                    + nnodes + " nodes must agree on a port");
        }
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("max restarts " + maxRestarts + " must be >= 0");
        }
        if (gracePeriod == null || gracePeriod.isNegative()) {
            throw new IllegalArgumentException("grace period " + gracePeriod + " must be >= 0");
        }
        classpath = classpath == null ? "" : classpath;
        jvmArgs = List.copyOf(jvmArgs == null ? List.of() : jvmArgs);
        args = List.copyOf(args == null ? List.of() : args);
        extraEnv = Map.copyOf(extraEnv == null ? Map.of() : extraEnv);
    }

    /**
     * A single-node launch of {@code nproc} ranks of {@code mainClass} with this JVM's binary and class path,
     * a free port on loopback, no restarts and a 10 s grace period.
     */
    public static LaunchSpec local(String mainClass, List<String> args, int nproc) {
        return new LaunchSpec(currentJava(), System.getProperty("java.class.path"), List.of(), mainClass, args, nproc,
                1, 0, "127.0.0.1", 0, 0, Duration.ofSeconds(10), Map.of(), null);
    }

    /** The {@code java} binary running this JVM. */
    public static String currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Ranks in the whole job. */
    public int worldSize() {
        return nprocPerNode * nnodes;
    }

    /** The global rank of local rank {@code localRank} on this node (nodes hold consecutive ranks). */
    public int globalRank(int localRank) {
        return nodeRank * nprocPerNode + localRank;
    }

    public LaunchSpec withMaxRestarts(int restarts) {
        return new LaunchSpec(javaBinary, classpath, jvmArgs, mainClass, args, nprocPerNode, nnodes, nodeRank,
                masterAddr, masterPort, restarts, gracePeriod, extraEnv, workDir);
    }

    public LaunchSpec withGracePeriod(Duration grace) {
        return new LaunchSpec(javaBinary, classpath, jvmArgs, mainClass, args, nprocPerNode, nnodes, nodeRank,
                masterAddr, masterPort, maxRestarts, grace, extraEnv, workDir);
    }

    public LaunchSpec withJvmArgs(List<String> options) {
        return new LaunchSpec(javaBinary, classpath, options, mainClass, args, nprocPerNode, nnodes, nodeRank,
                masterAddr, masterPort, maxRestarts, gracePeriod, extraEnv, workDir);
    }

    public LaunchSpec withExtraEnv(Map<String, String> env) {
        return new LaunchSpec(javaBinary, classpath, jvmArgs, mainClass, args, nprocPerNode, nnodes, nodeRank,
                masterAddr, masterPort, maxRestarts, gracePeriod, env, workDir);
    }

    /** Multi-node placement: this node's index, the node count and node 0's address and port. */
    public LaunchSpec onNodes(int nodes, int rankOfThisNode, String master, int port) {
        return new LaunchSpec(javaBinary, classpath, jvmArgs, mainClass, args, nprocPerNode, nodes, rankOfThisNode,
                master, port, maxRestarts, gracePeriod, extraEnv, workDir);
    }
}
