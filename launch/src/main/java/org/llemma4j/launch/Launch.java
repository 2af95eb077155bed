package org.llemma4j.launch;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llemma4j.parallel.DistributedException;
import org.llemma4j.parallel.device.DeviceException;
import org.llemma4j.runtime.SetupException;

/** Entry point of the {@code launch} CLI: {@code launch <command> [options]}. */
public final class Launch {

    private Launch() {
    }

    /** Every command, in the order {@code --help} lists them. */
    static Map<String, Command> commands() {
        Map<String, Command> commands = new LinkedHashMap<>();
        for (Command c : List.<Command>of(new TrainCommand(), new PreprocessCommand(), new InspectDataCommand(),
                new PlanCommand(), new GenerateCommand(), new ConvertCommand(), new BenchCommand(),
                new CollectivesBenchCommand(), new CheckpointBenchCommand(),
                new TensorParallelBenchCommand(), new GpuCheckCommand())) {
            commands.put(c.name(), c);
        }
        return commands;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command as {@code main} would, returning the exit status instead of exiting. */
    public static int run(String[] args) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            printHelp(commands);
            return args.length == 0 ? 2 : 0;
        }
        Command command = commands.get(args[0]);
        if (command == null) {
            System.err.println("launch: unknown command '" + args[0] + "'; commands: " + commands.keySet());
            return 2;
        }
        try {
            return command.run(Arrays.asList(args).subList(1, args.length));
        } catch (UsageException | SetupException | DeviceException e) {
            // The message names the argument, file, key or device at fault; a stack trace would add nothing.
            System.err.println("launch " + command.name() + ": " + e.getMessage());
            return 2;
        } catch (DistributedException e) {
            // The message names host, port, ranks and what was waited for; the Java and native stacks add nothing.
            System.err.println("launch " + command.name() + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("launch " + command.name() + ": " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        }
    }

    private static void printHelp(Map<String, Command> commands) {
        System.out.println("usage: launch <command> [options]   (launch <command> --help for its options)");
        commands.values().forEach(c -> System.out.printf("  %-18s %s%n", c.name(), c.summary()));
    }
}
