package org.llemma4j.launch;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.FileEntry;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.hf.HfConversion;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.checkpoint.hf.HfExporter;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.model.LlamaLayout;
import org.llemma4j.trainer.model.hf.HfLlamaConfig;
import org.llemma4j.runtime.model.GenerationModel;
import org.llemma4j.runtime.model.HfModels;

/**
 * {@code launch convert hf-to-checkpoint --hf DIR --save DIR [--rotary-emb-base X] [--dtype bf16|fp32]} and
 * {@code launch convert checkpoint-to-hf --load DIR [--step N] --out DIR [--dtype ...] [--max-shard-size 5GB]}:
 * a Hugging Face Llama directory to a step-0 checkpoint (streamed tensor by tensor), and a checkpoint's weights
 * back to a Hugging Face directory. {@code --device} chooses where each tensor's dtype is converted: on a GPU it is
 * copied there, converted, and written back through bounded host pieces.
 */
final class ConvertCommand extends Command {

    static final String HF_TO_CHECKPOINT = "hf-to-checkpoint";
    static final String CHECKPOINT_TO_HF = "checkpoint-to-hf";

    /** Manifest config keys under which hf-to-checkpoint records the model's token ids. */
    private static final String BOS_KEY = "bos_token_id";
    private static final String EOS_KEY = "eos_token_id";

    private static final Option HF = Option.builder().longOpt("hf").hasArg().argName("dir").required()
            .desc("Hugging Face Llama directory (config.json and model.safetensors, or shards with "
                    + "model.safetensors.index.json)").get();
    private static final Option SAVE = Option.builder().longOpt("save").hasArg().argName("dir").required()
            .desc("save directory to create the step-0 checkpoint in (must hold no checkpoint yet)").get();
    private static final Option ROPE = Option.builder().longOpt("rotary-emb-base").hasArg().argName("theta")
            .desc("RoPE base to record instead of the model's rope_theta (e.g. 10000 for the contraction)").get();
    private static final Option IMPORT_DTYPE = Option.builder().longOpt("dtype").hasArg().argName("bf16|fp32")
            .desc("dtype of the stored weights (default bf16)").get();
    private static final Options IMPORT_OPTIONS = new Options().addOption(HF).addOption(SAVE).addOption(ROPE)
            .addOption(IMPORT_DTYPE).addOption(DeviceOption.option("the device to convert the dtype"));

    private static final Option LOAD = Option.builder().longOpt("load").hasArg().argName("dir").required()
            .desc("save directory of a run (or of hf-to-checkpoint)").get();
    private static final Option STEP = Option.builder().longOpt("step").hasArg().argName("n")
            .desc("step to export (default: the one `latest` names)").get();
    private static final Option OUT = Option.builder().longOpt("out").hasArg().argName("dir").required()
            .desc("Hugging Face directory to write (must not exist or be empty)").get();
    private static final Option EXPORT_DTYPE = Option.builder().longOpt("dtype").hasArg().argName("bf16|fp16|fp32")
            .desc("dtype of the exported weights (default: the dtype they are stored in)").get();
    private static final Option MAX_SHARD = Option.builder().longOpt("max-shard-size").hasArg().argName("size")
            .desc("largest safetensors shard, e.g. 5GB (default), 500MB, 2GiB, or bytes").get();
    private static final Options EXPORT_OPTIONS = new Options().addOption(LOAD).addOption(STEP).addOption(OUT)
            .addOption(EXPORT_DTYPE).addOption(MAX_SHARD)
            .addOption(DeviceOption.option("the device to convert the dtype"));

    ConvertCommand() {
        super("convert",
                "Hugging Face Llama directory to a step-0 checkpoint (" + HF_TO_CHECKPOINT + ") and back ("
                        + CHECKPOINT_TO_HF + ")");
    }

    @Override
    public int run(List<String> args) throws Exception {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            System.out.println("usage: launch convert " + HF_TO_CHECKPOINT + " --hf DIR --save DIR "
                    + "[--rotary-emb-base X] [--dtype bf16|fp32] [--device auto|cpu|cuda]");
            System.out.println("       launch convert " + CHECKPOINT_TO_HF + " --load DIR [--step N] --out DIR "
                    + "[--dtype bf16|fp16|fp32] [--max-shard-size 5GB] [--device auto|cpu|cuda]");
            return args.isEmpty() ? 2 : 0;
        }
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (args.get(0)) {
                case HF_TO_CHECKPOINT -> hfToCheckpoint(rest);
                case CHECKPOINT_TO_HF -> checkpointToHf(rest);
                default -> throw new UsageException("unknown conversion '" + args.get(0) + "'; conversions: "
                        + HF_TO_CHECKPOINT + ", " + CHECKPOINT_TO_HF);
            };
        } catch (CheckpointException | NoSuchFileException e) {
            String message = e instanceof NoSuchFileException ? e.getMessage() + ": no such file or directory"
                    : e.getMessage();
            System.err.println("launch convert " + args.get(0) + ": " + message);
            return 1;
        }
    }

    private static int hfToCheckpoint(List<String> args) throws Exception {
        String usage = "launch convert " + HF_TO_CHECKPOINT;
        CommandLine line = CliParsing.parse(IMPORT_OPTIONS, args, usage);
        if (line == null) {
            return 0;
        }
        Path hf = Path.of(line.getOptionValue(HF.getLongOpt()));
        Path save = Path.of(line.getOptionValue(SAVE.getLongOpt()));
        SafetensorsDtype dtype = dtype(line, IMPORT_DTYPE, "bf16", List.of("bf16", "fp32"));
        ComputeDevice device = DeviceOption.select(line);
        OptionalDouble theta = OptionalDouble.empty();
        if (line.hasOption(ROPE.getLongOpt())) {
            String text = line.getOptionValue(ROPE.getLongOpt());
            double value;
            try {
                value = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new UsageException("--rotary-emb-base must be a number, got '" + text + "'");
            }
            if (!(value > 1)) {
                throw new UsageException("--rotary-emb-base must be > 1, got " + text);
            }
            theta = OptionalDouble.of(value);
        }
        if (!Files.isDirectory(hf)) {
            throw new CheckpointException(hf + ": no such directory");
        }
        if (Files.exists(save.resolve("latest"))) {
            throw new CheckpointException(save + " already holds checkpoints (" + save.resolve("latest")
                    + " exists); choose an empty save directory");
        }
        HfLlamaConfig config = HfModels.readConfig(hf);
        if (theta.isPresent()) {
            config = config.withModel(config.model().toBuilder().ropeBase(theta.getAsDouble()).build());
        }
        CheckpointStore store = new CheckpointStore(save);
        Manifest m;
        Map<String, Object> recorded = new LinkedHashMap<>(config.model().toNeoxKeys());
        // Kept for the way back: checkpoint-to-hf writes them into config.json and generation_config.json.
        config.bosTokenId().ifPresent(id -> recorded.put(BOS_KEY, id));
        config.eosTokenId().ifPresent(id -> recorded.put(EOS_KEY, id));
        try (HfDirectory in = HfModels.open(hf, config)) {
            m = HfConversion.importToCheckpoint(in.tensors(), DeviceOption.onDevice(in, device), store, dtype,
                    recorded);
        }
        LlamaConfig c = config.model();
        System.out.printf(Locale.ROOT, "converted %s to %s%n", hf, store.stepDir(0));
        System.out.printf(Locale.ROOT, "  model     %d layers, hidden %d, %d heads / %d KV heads, FFN %d, vocab %d, "
                        + "%s embeddings%n", c.numLayers(), c.hiddenSize(), c.numHeads(), c.numKvHeads(),
                c.intermediateSize(), c.vocabSize(), c.tieEmbeddings() ? "tied" : "untied");
        System.out.printf(Locale.ROOT, "  rope      rotary_emb_base %s%s%s%n", plain(c.ropeBase()),
                theta.isPresent() ? " (--rotary-emb-base)" : " (the model's rope_theta)",
                c.ropeScaling() == 1 ? "" : ", rotary_emb_scaling_factor " + plain(c.ropeScaling()) + " (linear)");
        System.out.printf(Locale.ROOT, "  weights   %d tensors, %,d parameters, %s, %s%n", m.tensors().size(),
                c.parameterCount(), dtype, megabytes(m));
        System.out.printf(Locale.ROOT, "train from it with `load: %s` (and `finetune: true` to keep step 0 and a "
                + "fresh optimizer when `save` is elsewhere)%n", save);
        return 0;
    }

    private static int checkpointToHf(List<String> args) throws Exception {
        String usage = "launch convert " + CHECKPOINT_TO_HF;
        CommandLine line = CliParsing.parse(EXPORT_OPTIONS, args, usage);
        if (line == null) {
            return 0;
        }
        Path load = Path.of(line.getOptionValue(LOAD.getLongOpt()));
        Path out = Path.of(line.getOptionValue(OUT.getLongOpt()));
        ComputeDevice device = DeviceOption.select(line);
        long maxShard = HfExporter.DEFAULT_MAX_SHARD_BYTES;
        if (line.hasOption(MAX_SHARD.getLongOpt())) {
            maxShard = parseSize(line.getOptionValue(MAX_SHARD.getLongOpt()));
        }
        CheckpointStore store = new CheckpointStore(load);
        Path stepDir;
        if (line.hasOption(STEP.getLongOpt())) {
            int step = CliParsing.intOption(line, STEP, -1);
            if (step < 0) {
                throw new UsageException("--step must be >= 0, got " + step);
            }
            stepDir = store.stepDir(step);
            if (!Files.isRegularFile(stepDir.resolve(Manifest.FILE_NAME))) {
                throw new CheckpointException(load + " has no checkpoint of step " + step + " (" + stepDir
                        + (Files.isDirectory(stepDir) ? " has no " + Manifest.FILE_NAME : " does not exist") + ")");
            }
        } else {
            if (!Files.isDirectory(load)) {
                throw new CheckpointException(load + ": no such directory");
            }
            stepDir = store.latest().orElseThrow(() -> new CheckpointException(load + " holds no checkpoint ("
                    + load.resolve("latest") + " does not exist)"));
        }
        Manifest m = store.verify(stepDir);
        LlamaConfig model = GenerationModel.fromNeoxKeys(m.config(), stepDir);
        List<ParamSpec> tensors = LlamaLayout.specs(model);
        SafetensorsDtype dtype = line.hasOption(EXPORT_DTYPE.getLongOpt())
                ? dtype(line, EXPORT_DTYPE, null, List.of("bf16", "fp16", "fp32"))
                : storedDtype(m, tensors, stepDir);
        HfExporter exporter = new HfExporter(dtype, maxShard);
        boolean recorded = m.config().get(BOS_KEY) instanceof Number && m.config().get(EOS_KEY) instanceof Number;
        HfLlamaConfig config = recorded
                ? HfLlamaConfig.of(model).withTokenIds(((Number) m.config().get(BOS_KEY)).intValue(),
                        ((Number) m.config().get(EOS_KEY)).intValue())
                : HfLlamaConfig.of(model).withTokenIds(HfLlamaConfig.LLAMA_BOS_ID, HfLlamaConfig.LLAMA_EOS_ID);
        Map<String, Map<String, Object>> json = new LinkedHashMap<>();
        json.put(HfDirectory.CONFIG_FILE, config.toJson(exporter.torchDtypeName()));
        json.put(HfDirectory.GENERATION_CONFIG_FILE, config.generationConfig());
        List<Path> files;
        try (CheckpointReader reader = store.open(stepDir)) {
            files = exporter.export(json, tensors, DeviceOption.onDevice(reader::read, device), out);
        }
        System.out.printf(Locale.ROOT, "exported %s (step %d, %,d parameters) to %s as %s%n", stepDir, m.step(),
                model.parameterCount(), out, dtype);
        System.out.printf(Locale.ROOT, "  tokens    bos_token_id %d, eos_token_id %d (%s)%n",
                config.bosTokenId().orElseThrow(), config.eosTokenId().orElseThrow(),
                recorded ? "recorded when the model was converted" : "Llama's, as transformers defaults them");
        for (Path f : files) {
            System.out.printf(Locale.ROOT, "  %-40s %,14d bytes%n", f.getFileName(), Files.size(f));
        }
        return 0;
    }

    /** The dtype the model weights are stored in; a checkpoint that mixes dtypes exports as F32. */
    private static SafetensorsDtype storedDtype(Manifest m, List<ParamSpec> tensors, Path stepDir)
            throws CheckpointException {
        String found = null;
        for (ParamSpec t : tensors) {
            String stored = m.tensor(t.name()).dtype();
            if (found == null) {
                found = stored;
            } else if (!found.equals(stored)) {
                return SafetensorsDtype.F32;
            }
        }
        if (found == null) {
            throw new CheckpointException(stepDir + " holds no model weights");
        }
        SafetensorsDtype d = SafetensorsDtype.fromHeader(found);
        return d == SafetensorsDtype.BF16 || d == SafetensorsDtype.F16 ? d : SafetensorsDtype.F32;
    }

    private static SafetensorsDtype dtype(CommandLine line, Option option, String defaultName, List<String> allowed)
            throws UsageException {
        String name = line.getOptionValue(option.getLongOpt(), defaultName).toLowerCase(Locale.ROOT);
        if (!allowed.contains(name)) {
            throw new UsageException("--" + option.getLongOpt() + " must be one of " + String.join(", ", allowed)
                    + ", got '" + line.getOptionValue(option.getLongOpt()) + "'");
        }
        return switch (name) {
            case "bf16" -> SafetensorsDtype.BF16;
            case "fp16" -> SafetensorsDtype.F16;
            default -> SafetensorsDtype.F32;
        };
    }

    /** {@code 5GB} (decimal units, as transformers reads them), {@code 2GiB} (binary), or a number of bytes. */
    static long parseSize(String text) throws UsageException {
        String t = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (Map.Entry<String, Long> u : List.of(Map.entry("KIB", 1L << 10), Map.entry("MIB", 1L << 20),
                Map.entry("GIB", 1L << 30), Map.entry("KB", 1_000L), Map.entry("MB", 1_000_000L),
                Map.entry("GB", 1_000_000_000L), Map.entry("B", 1L))) {
            if (t.endsWith(u.getKey())) {
                unit = u.getValue();
                t = t.substring(0, t.length() - u.getKey().length()).strip();
                break;
            }
        }
        double value;
        try {
            value = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new UsageException("--max-shard-size must be a size like 5GB, 500MB, 2GiB or a number of bytes, "
                    + "got '" + text + "'");
        }
        long bytes = (long) (value * unit);
        if (bytes <= 0) {
            throw new UsageException("--max-shard-size must be > 0, got '" + text + "'");
        }
        return bytes;
    }

    private static String megabytes(Manifest m) {
        long bytes = 0;
        for (FileEntry f : m.files().values()) {
            bytes += f.bytes();
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
