package org.llemma4j.launch;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.CudaProbe;
import org.llemma4j.parallel.device.DeviceException;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.runtime.check.CheckRank;
import org.llemma4j.runtime.check.CheckResult;
import org.llemma4j.runtime.check.CheckSettings;
import org.llemma4j.runtime.check.CheckStatus;
import org.llemma4j.runtime.check.GpuChecks;
import org.llemma4j.trainer.config.DataCheck;

/**
 * {@code launch gpu-check [--device cuda|cpu] [--config FILE]... [--set key=value]... [--checks 1,2,3,5]
 * [--work-dir DIR]}: checks 1, 2, 3 and 5 of {@code scripts/gpu-check} (docs/gpu.md), one line each on stdout,
 * exit status 1 when one fails. The checks are in {@code runtime.check}; this class chooses the device, checks the
 * config, and starts the ranks of check 5 with the supervisor, as {@code launch train --nproc-per-node 2} does.
 * {@code --device cpu} runs the same logic on the CPU (the CPU against itself, 2 Gloo ranks), for machines without
 * a GPU.
 */
final class GpuCheckCommand extends OptionsCommand {

    private static final ConfigOptions CONFIG = ConfigOptions.withDefault(Path.of("configs/tiny.yaml"));
    private static final Option DEVICE = Option.builder().longOpt("device").hasArg().argName("cuda|cpu")
            .desc("the device under test (default cuda; cpu runs the checks' logic on the CPU)").get();
    private static final Option CHECKS = Option.builder().longOpt("checks").hasArg().argName("list")
            .desc("which checks, comma-separated (default 1,2,3,5; check 4 is launch bench)").get();
    private static final Option WORK_DIR = Option.builder().longOpt("work-dir").hasArg().argName("dir")
            .desc("where each check run writes its metrics (default runs/gpu-check)").get();
    private static final Options OPTIONS = CONFIG.addTo(new Options()).addOption(DEVICE).addOption(CHECKS)
            .addOption(WORK_DIR);

    GpuCheckCommand() {
        super("gpu-check",
                "check the GPU path: fp32 against the CPU, bf16, flash attention, hidden syncs, 2 GPUs", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        DeviceRequest request = device(line);
        Set<Integer> which = checks(line);
        // Before anything else: on the CPU build, or a node without a GPU, say so and what to do.
        ComputeDevice device;
        try {
            device = ComputeDevice.select(request, 0, 1);
        } catch (DeviceException e) {
            throw new DeviceException(e.getMessage() + " (launch gpu-check --device cpu runs the checks' logic on"
                    + " the CPU)", e);
        }
        int devices = request == DeviceRequest.CUDA ? CudaProbe.detect().deviceCount() : 0;
        CheckSettings settings = new CheckSettings(request, CONFIG.files(line), CONFIG.overrides(line),
                Path.of(line.getOptionValue(WORK_DIR.getLongOpt(), "runs/gpu-check")), devices);
        CONFIG.load(line, List.of(), DataCheck.FILES);          // a wrong file, key or data path fails here
        System.out.println("gpu-check on " + device.description()
                + (request == DeviceRequest.CUDA ? " (" + devices + " CUDA devices)" : ""));
        List<CheckResult> results = GpuChecks.run(settings, which, GpuCheckCommand::launchRanks, r -> {
            System.out.println(r.line());
            System.out.flush();
        });
        long failed = results.stream().filter(r -> r.status() == CheckStatus.FAIL).count();
        long skipped = results.stream().filter(r -> r.status() == CheckStatus.SKIP).count();
        System.out.printf(Locale.ROOT, "gpu-check: %d passed, %d failed, %d skipped%n",
                results.size() - failed - skipped, failed, skipped);
        return failed > 0 ? 1 : 0;
    }

    private static DeviceRequest device(CommandLine line) throws UsageException {
        String value = line.getOptionValue(DEVICE.getLongOpt(), "cuda");
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "cuda" -> DeviceRequest.CUDA;
            case "cpu" -> DeviceRequest.CPU;
            default -> throw new UsageException("--device must be cuda or cpu, got '" + value + "'");
        };
    }

    private static Set<Integer> checks(CommandLine line) throws UsageException {
        Set<Integer> which = new TreeSet<>();
        for (String part : line.getOptionValue(CHECKS.getLongOpt(), "1,2,3,5").split(",")) {
            try {
                which.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new UsageException("--checks must list check numbers, e.g. 1,2,3,5; got '" + part.trim() + "'");
            }
        }
        if (!GpuChecks.CHECKS.containsAll(which)) {
            throw new UsageException("--checks " + which + ": the checks are " + new TreeSet<>(GpuChecks.CHECKS)
                    + " (check 4 is launch bench, which scripts/gpu-check runs)");
        }
        return which;
    }

    /**
     * Starts the ranks of a multi-rank check with this JVM's runtime, class path and options (a bundle's library
     * path among them), their output on stderr so that stdout keeps only the check lines.
     */
    private static void launchRanks(int ranks, List<String> rankArguments) {
        LaunchSpec spec = LaunchSpec.local(CheckRank.class.getName(), rankArguments, ranks)
                .withJvmArgs(ManagementFactory.getRuntimeMXBean().getInputArguments());
        SupervisorResult result = new Supervisor(spec, System.err).run();
        if (!result.succeeded()) {
            throw new IllegalStateException(result.message());
        }
    }
}
