package org.llemma4j.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.runtime.bench.CheckpointBench;
import org.llemma4j.trainer.config.DataCheck;
import org.llemma4j.trainer.config.TrainConfig;

/**
 * {@code launch bench-checkpoint}: the options of {@link CheckpointBench} (checkpoint save and load MB/s of a bf16
 * model with its AdamW state against the raw write rate of the same disk).
 */
final class CheckpointBenchCommand extends OptionsCommand {

    private static final Option DIR = Option.builder().longOpt("dir").hasArg().argName("dir")
            .desc("scratch directory on the disk to measure (default runs/bench-checkpoint; deleted afterwards)").get();
    /** The base config: its optimizer settings; the model comes from the options below. */
    private static final ConfigOptions CONFIG = ConfigOptions.withDefault(Path.of("configs/tiny.yaml"));
    private static final Option HIDDEN = Option.builder().longOpt("hidden").hasArg().desc("hidden size (768)").get();
    private static final Option LAYERS = Option.builder().longOpt("layers").hasArg().desc("layers (12)").get();
    private static final Option HEADS = Option.builder().longOpt("heads").hasArg().desc("attention heads (12)").get();
    private static final Option FFN = Option.builder().longOpt("ffn").hasArg().desc("intermediate size (2048)").get();
    private static final Option VOCAB = Option.builder().longOpt("vocab").hasArg().desc("vocabulary (32000)").get();
    private static final Option REPEATS = Option.builder().longOpt("repeats").hasArg()
            .desc("saves and loads timed (3); the best and the median are printed").get();
    private static final Options OPTIONS = CONFIG.addTo(new Options()).addOption(DIR).addOption(HIDDEN)
            .addOption(LAYERS).addOption(HEADS).addOption(FFN).addOption(VOCAB).addOption(REPEATS);

    CheckpointBenchCommand() {
        super("bench-checkpoint",
                "checkpoint save and load MB/s of a model against the raw write rate of the same disk", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        Path dir = Path.of(line.getOptionValue(DIR.getLongOpt(), "runs/bench-checkpoint")).toAbsolutePath();
        int repeats = CliParsing.intOption(line, REPEATS, 3);
        if (repeats < 1) {
            throw new UsageException("--repeats must be >= 1, got " + repeats);
        }
        if (Files.exists(dir)) {
            throw new UsageException(dir + " exists; give a --dir that does not (it is deleted afterwards)");
        }
        int hidden = CliParsing.intOption(line, HIDDEN, 768);
        int heads = CliParsing.intOption(line, HEADS, 12);
        List<String> sets = new ArrayList<>(List.of("hidden_size=" + hidden,
                "num_layers=" + CliParsing.intOption(line, LAYERS, 12), "num_attention_heads=" + heads,
                "num_kv_heads=" + heads, "intermediate_size=" + CliParsing.intOption(line, FFN, 2048),
                "vocab_size=" + CliParsing.intOption(line, VOCAB, 32000), "precision=bf16",
                "keep_last_n_checkpoints=1"));
        Path save = dir.resolve("save");
        List<String> s = new ArrayList<>(sets);
        s.add("save=" + save);
        TrainConfig saving = CONFIG.load(line, s, DataCheck.SKIP);
        List<String> l = new ArrayList<>(sets);
        l.add("load=" + save);
        TrainConfig loading = CONFIG.load(line, l, DataCheck.SKIP);

        CheckpointBench.run(saving, loading, dir, repeats, System.out);
        return 0;
    }
}
