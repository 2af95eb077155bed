package org.llemma4j.launch;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.runtime.RunOptions;
import org.llemma4j.runtime.TrainingRun;
import org.llemma4j.trainer.config.ConfigException;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.plan.RunRequirements;

/**
 * {@code launch train --config X.yaml [--config Y.yaml] [--set key=value]... [--run-dir DIR]
 * [--nproc-per-node N [--nnodes M --node-rank R --master-addr H --master-port P] [--max-restarts K]]}.
 *
 * <p>Run as it is, or under {@code srun} or torchrun (the environment names the rank), this process trains as
 * one rank. With {@code --nproc-per-node} it is the supervisor of this node's ranks instead: it starts one child
 * JVM per rank running this same command without the launcher options, and stops them all when one fails.
 */
final class TrainCommand extends OptionsCommand {

    private static final ConfigOptions CONFIG = ConfigOptions.required();
    private static final Option RUN_DIR = Option.builder().longOpt("run-dir").hasArg().argName("dir")
            .desc("where metrics.jsonl and the resolved config go (default: the `save` key, else runs/<config>)").get();
    private static final Option NPROC = Option.builder().longOpt("nproc-per-node").hasArg().argName("n")
            .desc("ranks to start on this node, one JVM each (default 1: this process trains)").get();
    private static final Option NNODES = Option.builder().longOpt("nnodes").hasArg().argName("n")
            .desc("nodes in the job (default 1)").get();
    private static final Option NODE_RANK = Option.builder().longOpt("node-rank").hasArg().argName("r")
            .desc("this node's index, 0..nnodes-1 (default 0)").get();
    private static final Option MASTER_ADDR = Option.builder().longOpt("master-addr").hasArg().argName("host")
            .desc("host of rank 0, where the rendezvous store listens (default 127.0.0.1)").get();
    private static final Option MASTER_PORT = Option.builder().longOpt("master-port").hasArg().argName("port")
            .desc("port of the rendezvous store (default: a free port on a single node, 29500 otherwise)").get();
    private static final Option MAX_RESTARTS = Option.builder().longOpt("max-restarts").hasArg().argName("k")
            .desc("restart all ranks up to k times after a failure (default 0)").get();
    private static final Options OPTIONS = CONFIG.addTo(new Options()).addOption(RUN_DIR)
            .addOption(NPROC).addOption(NNODES).addOption(NODE_RANK).addOption(MASTER_ADDR).addOption(MASTER_PORT)
            .addOption(MAX_RESTARTS);

    /** How long a rank told to stop may take to finish its step before the JVM exits anyway. */
    private static final Duration STOP_GRACE = Duration.ofMinutes(2);

    /**
     * Seconds a rank waits to reach the master and for every rank to check in. An environment variable rather than
     * a config key: like {@code MASTER_PORT} it belongs to the launch, not to the run (the same config is started
     * on a laptop and on a cluster whose nodes boot slowly), and it must be readable before a config is resolved.
     */
    static final String RENDEZVOUS_TIMEOUT_VAR = "LLEMMA_RENDEZVOUS_TIMEOUT_S";

    TrainCommand() {
        super("train",
                "train a Llama from a GPT-NeoX-style config, on one process or as a supervisor of several", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        int nproc = CliParsing.intOption(line, NPROC, 1);
        int nnodes = CliParsing.intOption(line, NNODES, 1);
        boolean supervise = line.hasOption(NPROC.getLongOpt()) || nnodes > 1;
        if (supervise && DistEnv.fromSystem().source() != DistEnv.Source.SINGLE) {
            throw new UsageException("--nproc-per-node starts ranks, but this process already is one (RANK or "
                    + "SLURM_PROCID is set); under srun or torchrun leave the launcher options out");
        }
        int worldSize = supervise ? nproc * nnodes : DistEnv.fromSystem().worldSize();
        Duration rendezvousTimeout = rendezvousTimeout(System.getenv());   // checked before a child is started
        TrainConfig config = loadChecked(line, worldSize);
        return supervise ? supervise(line, nproc, nnodes) : train(line, config, rendezvousTimeout);
    }

    /** {@value #RENDEZVOUS_TIMEOUT_VAR} from {@code env}, or {@link RunOptions#RENDEZVOUS_TIMEOUT}. */
    static Duration rendezvousTimeout(Map<String, String> env) throws UsageException {
        String raw = env.get(RENDEZVOUS_TIMEOUT_VAR);
        if (raw == null || raw.isBlank()) {
            return RunOptions.RENDEZVOUS_TIMEOUT;
        }
        double seconds;
        try {
            seconds = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(RENDEZVOUS_TIMEOUT_VAR + "='" + raw.trim() + "' is not a number of seconds");
        }
        if (!(seconds > 0) || seconds > 86_400) {
            throw new UsageException(RENDEZVOUS_TIMEOUT_VAR + "=" + raw.trim() + " must be in (0, 86400] seconds");
        }
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    }

    /** The config, checked against the machine before anything is allocated or spawned. */
    private static TrainConfig loadChecked(CommandLine line, int worldSize) throws UsageException {
        try {
            // Data files are checked after the machine: a cluster config started here should first say that
            // it needs a cluster, not that the cluster's data is missing.
            TrainConfig config = TrainConfig.load(CONFIG.files(line), CONFIG.overrides(line), DataCheck.SKIP);
            RunRequirements.check(config, worldSize, torch.cuda_is_available());
            config.data().requireFiles();
            return config;
        } catch (ConfigException | RunRequirements.UnmetException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int supervise(CommandLine line, int nproc, int nnodes) throws UsageException {
        List<String> rankArgs = new ArrayList<>(List.of("train"));
        rankArgs.addAll(CONFIG.asArguments(line));
        if (line.hasOption(RUN_DIR.getLongOpt())) {
            rankArgs.addAll(List.of("--" + RUN_DIR.getLongOpt(), line.getOptionValue(RUN_DIR.getLongOpt())));
        }
        LaunchSpec spec = LaunchSpec.local(Launch.class.getName(), rankArgs, nproc)
                .withJvmArgs(ManagementFactory.getRuntimeMXBean().getInputArguments())
                .withMaxRestarts(CliParsing.intOption(line, MAX_RESTARTS, 0));
        if (nnodes > 1 || line.hasOption(MASTER_ADDR.getLongOpt()) || line.hasOption(MASTER_PORT.getLongOpt())) {
            spec = spec.onNodes(nnodes, CliParsing.intOption(line, NODE_RANK, 0),
                    line.getOptionValue(MASTER_ADDR.getLongOpt(), DistEnv.LOOPBACK),
                    CliParsing.intOption(line, MASTER_PORT, DistEnv.DEFAULT_PORT));
        }
        SupervisorResult result = new Supervisor(spec, System.out).run();
        if (!result.succeeded()) {
            System.err.println("launch train: " + result.message());
        }
        return result.exitCode();
    }

    private static int train(CommandLine line, TrainConfig config, Duration rendezvousTimeout) {
        Path runDir = line.hasOption(RUN_DIR.getLongOpt()) ? Path.of(line.getOptionValue(RUN_DIR.getLongOpt()))
                : config.checkpoint().save().orElse(Path.of("runs", CliParsing.stem(CONFIG.files(line).get(0))));
        RunOptions options = new RunOptions(runDir, rendezvousTimeout, Optional.of(STOP_GRACE));
        try (TrainingRun run = TrainingRun.start(config, options, DistEnv.fromSystem())) {
            run.train();
        }
        return 0;
    }
}
