package org.llemma4j.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bytedeco.pytorch.global.torch;
import org.llemma4j.trainer.config.ConfigException;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.data.TokenSource;
import org.llemma4j.trainer.plan.RunRequirements;
import org.llemma4j.trainer.train.Trainer;

/** {@code launch train --config X.yaml [--config Y.yaml] [--set key=value]... [--run-dir DIR]}. */
final class TrainCommand implements Command {

    private static final Options OPTIONS = new Options()
            .addOption(Option.builder().longOpt("config").hasArg().argName("file").required()
                    .desc("YAML config (GPT-NeoX key names); repeat to merge several, later files win").get())
            .addOption(Option.builder().longOpt("set").hasArg().argName("key=value")
                    .desc("override one key, dotted for nested sections (zero_optimization.stage=1); repeatable").get())
            .addOption(Option.builder().longOpt("run-dir").hasArg().argName("dir")
                    .desc("where metrics.jsonl and the resolved config go (default: the `save` key, else runs/<config>)")
                    .get());

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a Llama from a GPT-NeoX-style config";
    }

    @Override
    public int run(List<String> args) throws Exception {
        CommandLine line = CliParsing.parse(OPTIONS, args, "launch train");
        if (line == null) {
            return 0;
        }
        List<Path> files = CliParsing.paths(line.getOptionValues("config"));
        TrainConfig config;
        try {
            // Data files are checked after the machine: a cluster config started here should first say that
            // it needs a cluster, not that the cluster's data is missing.
            config = TrainConfig.load(files, CliParsing.values(line.getOptionValues("set")), DataCheck.SKIP);
            RunRequirements.check(config, worldSize(), torch.cuda_is_available());
            config.requireDataFiles();
        } catch (ConfigException | RunRequirements.UnmetException e) {
            throw new UsageException(e.getMessage());
        }
        Path runDir = line.hasOption("run-dir") ? Path.of(line.getOptionValue("run-dir"))
                : config.save().orElse(Path.of("runs", CliParsing.stem(files.get(files.size() - 1))));

        List<IndexedTokenSource> opened = new ArrayList<>();
        try {
            for (Path prefix : config.trainDataPaths()) {
                opened.add(IndexedTokenSource.open(prefix));
            }
            try (Trainer trainer = new Trainer(config, runDir, List.<TokenSource>copyOf(opened))) {
                trainer.run();
            }
        } finally {
            opened.forEach(IndexedTokenSource::close);
        }
        return 0;
    }

    /** The torchrun contract's WORLD_SIZE, else SLURM_NTASKS, else 1 (a single local process). */
    static int worldSize() {
        for (String name : List.of("WORLD_SIZE", "SLURM_NTASKS")) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                try {
                    return Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalStateException(name + " must be an integer, got '" + value + "'");
                }
            }
        }
        return 1;
    }
}
