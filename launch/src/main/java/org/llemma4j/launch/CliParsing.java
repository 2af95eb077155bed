package org.llemma4j.launch;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** Commons CLI parsing shared by the commands: {@code --help}, and parse errors as {@link UsageException}s. */
final class CliParsing {

    private CliParsing() {
    }

    /** Parses {@code args}; prints the usage and returns null when {@code --help} is among them. */
    static CommandLine parse(Options options, List<String> args, String usage) throws UsageException {
        if (args.contains("--help") || args.contains("-h")) {
            new HelpFormatter().printHelp(usage, options);
            return null;
        }
        try {
            return new DefaultParser().parse(options, args.toArray(String[]::new));
        } catch (ParseException e) {
            throw new UsageException(e.getMessage() + " (" + usage + " --help lists the options)");
        }
    }

    static List<String> values(String[] values) {
        return values == null ? List.of() : Arrays.asList(values);
    }

    static List<Path> paths(String[] values) {
        return values(values).stream().map(Path::of).toList();
    }

    /** {@code configs/tiny.yaml} -> {@code tiny}. */
    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** An integer option, validated, with its default. */
    static int intOption(CommandLine line, Option option, int defaultValue) throws UsageException {
        String value = line.getOptionValue(option.getLongOpt());
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option.getLongOpt() + " must be an integer, got '" + value + "'");
        }
    }

    /** A number option, validated; call it for an option that was given. */
    static double doubleOption(CommandLine line, Option option) throws UsageException {
        String value = line.getOptionValue(option.getLongOpt());
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option.getLongOpt() + " must be a number, got '" + value + "'");
        }
    }

    /** An enum option, by constant name in any case, with its default; a wrong name lists the right ones. */
    static <E extends Enum<E>> E enumOption(CommandLine line, Option option, Class<E> type, E defaultValue)
            throws UsageException {
        String value = line.getOptionValue(option.getLongOpt());
        if (value == null) {
            return defaultValue;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        throw new UsageException("--" + option.getLongOpt() + " must be one of "
                + Arrays.toString(type.getEnumConstants()) + ", got '" + value + "'");
    }
}
