package org.llemma4j.launch;

import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.parallel.device.GpuModel;
import org.llemma4j.trainer.config.ConfigException;
import org.llemma4j.trainer.plan.PlanConfig;
import org.llemma4j.trainer.plan.TrainingPlan;

/**
 * {@code launch plan --config X.yaml [--gpu a100-40gb] [--nodes N --gpus-per-node G] [--mfu 0.4]}: per-rank
 * memory, layout, tokens per step and a training-time estimate, without data files, GPUs or libtorch.
 */
final class PlanCommand extends OptionsCommand {

    private static final Option NODES = Option.builder().longOpt("nodes").hasArg().argName("N")
            .desc("nodes (default 1)").get();
    private static final Option GPUS_PER_NODE = Option.builder().longOpt("gpus-per-node").hasArg().argName("G")
            .desc("GPUs, i.e. ranks, per node (default 8)").get();

    private static final ConfigOptions CONFIG = ConfigOptions.required();

    private static final Options OPTIONS = CONFIG.addTo(new Options())
            .addOption(Option.builder().longOpt("gpu").hasArg().argName("model")
                    .desc("GPU model: " + GpuModel.cliNames() + " (default a100-40gb)").get())
            .addOption(NODES)
            .addOption(GPUS_PER_NODE)
            .addOption(Option.builder().longOpt("mfu").hasArg().argName("fraction")
                    .desc("assumed model FLOPs utilization for the time estimate (default "
                            + TrainingPlan.DEFAULT_MFU + ")").get());

    PlanCommand() {
        super("plan",
                "per-rank memory and a training-time estimate for a config on a GPU cluster, allocating nothing "
                        + "", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        List<Path> files = CONFIG.files(line);
        int nodes = CliParsing.intOption(line, NODES, 1);
        int gpusPerNode = CliParsing.intOption(line, GPUS_PER_NODE, 8);
        double mfu = TrainingPlan.DEFAULT_MFU;
        String mfuText = line.getOptionValue("mfu");
        if (mfuText != null) {
            try {
                mfu = Double.parseDouble(mfuText);
            } catch (NumberFormatException e) {
                throw new UsageException("--mfu must be a number in (0, 1], got '" + mfuText + "'");
            }
        }
        try {
            GpuModel gpu = GpuModel.byCliName(line.getOptionValue("gpu", GpuModel.A100_40GB.cliName()));
            PlanConfig loaded = PlanConfig.load(files, CONFIG.overrides(line));
            TrainingPlan plan = new TrainingPlan(loaded.config(), gpu, nodes, gpusPerNode, mfu, loaded.notes());
            String name = String.join(" + ", files.stream().map(Path::toString).toList());
            System.out.print(plan.report(name));
        } catch (ConfigException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return 0;
    }
}
