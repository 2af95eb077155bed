package org.llemma4j.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.trainer.config.ConfigException;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;

/**
 * {@code --config FILE}... and {@code --set key=value}...: how every command that reads a training config is told
 * which, declared here once so that their help reads the same in every command.
 */
final class ConfigOptions {

    private static final String CONFIG = "config";
    private static final String SET = "set";

    /** Where the config comes from when {@code --config} is optional; {@code null} when it is required. */
    private final Path defaultFile;

    private ConfigOptions(Path defaultFile) {
        this.defaultFile = defaultFile;
    }

    /** {@code --config} is required. */
    static ConfigOptions required() {
        return new ConfigOptions(null);
    }

    /** {@code --config} defaults to {@code file}. */
    static ConfigOptions withDefault(Path file) {
        return new ConfigOptions(file);
    }

    /** {@code options} with {@code --config} and {@code --set} added. */
    Options addTo(Options options) {
        return options
                .addOption(Option.builder().longOpt(CONFIG).hasArg().argName("file").required(defaultFile == null)
                        .desc("YAML config (GPT-NeoX key names); repeat to merge several, later files win"
                                + (defaultFile == null ? "" : " (default " + defaultFile + ")")).get())
                .addOption(Option.builder().longOpt(SET).hasArg().argName("key=value")
                        .desc("override one key, dotted for nested sections (zero_optimization.stage=1); repeatable")
                        .get());
    }

    /** The config files in the order given (later files win). */
    List<Path> files(CommandLine line) {
        List<Path> files = CliParsing.paths(line.getOptionValues(CONFIG));
        return files.isEmpty() && defaultFile != null ? List.of(defaultFile) : files;
    }

    /** The {@code key=value} overrides in the order given (later ones win). */
    List<String> overrides(CommandLine line) {
        return CliParsing.values(line.getOptionValues(SET));
    }

    /**
     * The config of {@code line}, with {@code commandSets} (the command's own settings) applied before the user's
     * overrides.
     *
     * @throws UsageException with the config's message when it is not usable
     */
    TrainConfig load(CommandLine line, List<String> commandSets, DataCheck dataCheck) throws UsageException {
        List<String> overrides = new ArrayList<>(commandSets);
        overrides.addAll(overrides(line));
        try {
            return TrainConfig.load(files(line), overrides, dataCheck);
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The options of {@code line} as arguments again, for a child process that must read the same config. */
    List<String> asArguments(CommandLine line) {
        List<String> args = new ArrayList<>();
        for (String file : CliParsing.values(line.getOptionValues(CONFIG))) {
            args.addAll(List.of("--" + CONFIG, file));
        }
        for (String set : overrides(line)) {
            args.addAll(List.of("--" + SET, set));
        }
        return args;
    }
}
