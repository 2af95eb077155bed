package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;

/** {@code --config} and {@code --set}, declared once for every command that reads a training config. */
class ConfigOptionsTest {

    private static final String TINY = Path.of(System.getProperty("project.root", ".."), "configs", "tiny.yaml")
            .toString();

    @TempDir
    Path dir;

    private static CommandLine parse(ConfigOptions options, String... args) throws UsageException {
        return CliParsing.parse(options.addTo(new Options()), List.of(args), "launch test");
    }

    @Test
    void everyConfigCommandHelpsWithTheSameWords() {
        for (String command : List.of("train", "plan", "inspect-data", "bench-checkpoint")) {
            LaunchRun help = LaunchRun.of(command, "--help");
            assertEquals(0, help.status(), help.err());
            String text = help.out().replaceAll("\\s+", " ");
            assertTrue(text.contains("--config <file> YAML config (GPT-NeoX key names); repeat to merge several,"
                    + " later files win"), command + ": " + help.out());
            assertTrue(text.contains("--set <key=value> override one key, dotted for nested sections"
                    + " (zero_optimization.stage=1); repeatable"), command + ": " + help.out());
        }
    }

    @Test
    void filesOverridesAndTheirPassingOn() throws UsageException {
        CommandLine line = parse(ConfigOptions.required(), "--config", "a.yaml", "--set", "seed=1", "--config",
                "./b.yaml", "--set", "seed=2");
        assertEquals(List.of(Path.of("a.yaml"), Path.of("./b.yaml")), ConfigOptions.required().files(line));
        assertEquals(List.of("seed=1", "seed=2"), ConfigOptions.required().overrides(line));
        assertEquals(List.of("--config", "a.yaml", "--config", "./b.yaml", "--set", "seed=1", "--set", "seed=2"),
                ConfigOptions.required().asArguments(line), "in order, as written");
    }

    @Test
    void configIsRequiredUnlessThereIsADefault() throws UsageException {
        UsageException e = assertThrows(UsageException.class, () -> parse(ConfigOptions.required(), "--set", "a=1"));
        assertTrue(e.getMessage().startsWith("Missing required option: config"), e.getMessage());
        ConfigOptions withDefault = ConfigOptions.withDefault(Path.of("configs/tiny.yaml"));
        assertEquals(List.of(Path.of("configs/tiny.yaml")), withDefault.files(parse(withDefault)));
        assertEquals(List.of(Path.of("x.yaml")), withDefault.files(parse(withDefault, "--config", "x.yaml")));
    }

    @Test
    void theUsersOverridesComeAfterTheCommandsOwn() throws UsageException {
        CommandLine line = parse(ConfigOptions.required(), "--config", TINY, "--set", "seed=7");
        TrainConfig config = ConfigOptions.required().load(line, List.of("seed=5", "train_iters=3"),
                DataCheck.SKIP);
        assertEquals(7, config.training().seed());
        assertEquals(3, config.training().trainIters());
    }

    @Test
    void aBadConfigIsAUsageErrorWithItsMessage() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "num_layer: 3\n");
        CommandLine line = parse(ConfigOptions.required(), "--config", TINY, "--config", bad.toString());
        UsageException e = assertThrows(UsageException.class,
                () -> ConfigOptions.required().load(line, List.of(), DataCheck.SKIP));
        assertEquals("unknown config key \"num_layer\" (did you mean \"num_layers\"?)", e.getMessage());
    }
}
