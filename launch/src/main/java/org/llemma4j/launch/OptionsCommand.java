package org.llemma4j.launch;

import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** A command whose arguments are one set of options: parsed here ({@code --help} prints them and exits 0). */
abstract class OptionsCommand extends Command {

    private final Options options;

    OptionsCommand(String name, String summary, Options options) {
        super(name, summary);
        this.options = options;
    }

    @Override
    public final int run(List<String> args) throws Exception {
        CommandLine line = CliParsing.parse(options, args, "launch " + name());
        return line == null ? 0 : run(line);
    }

    /** Runs the command with its parsed options; returns the process exit status. */
    abstract int run(CommandLine line) throws Exception;
}
