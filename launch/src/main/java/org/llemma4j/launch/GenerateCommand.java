package org.llemma4j.launch;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.data.tokenizer.Tokenizer;
import org.llemma4j.data.tokenizer.Tokenizers;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.model.GenerationSettings;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.model.LlamaGenerator;
import org.llemma4j.runtime.model.GenerationModel;

/**
 * {@code launch generate (--load DIR | --hf DIR) (--prompt TEXT --tokenizer FILE | --prompt-ids "1 450 ...")}:
 * continues a prompt with a trained model in fp32, with a key-value cache (each new token costs one position), on the
 * device {@code --device} selects (the model, the cache and the RoPE tables there; token ids staged to it). Greedy
 * by default ({@code --temperature 0}), so the output is deterministic.
 */
final class GenerateCommand extends OptionsCommand {

    private static final Option MAX_NEW = Option.builder().longOpt("max-new-tokens").hasArg().argName("N")
            .desc("tokens to generate at most (default 64)").get();
    private static final Option EOS = Option.builder().longOpt("eos-id").hasArg().argName("id")
            .desc("stop after this id (default: eos_token_id of a Hugging Face config, else the tokenizer's EOS; "
                    + "-1 never stops early)").get();

    private static final Options OPTIONS = new Options()
            .addOption(Option.builder().longOpt("load").hasArg().argName("dir")
                    .desc("a checkpoint: a save directory (its latest step) or one step directory").get())
            .addOption(Option.builder().longOpt("hf").hasArg().argName("dir")
                    .desc("a Hugging Face Llama directory (config.json, *.safetensors)").get())
            .addOption(Option.builder().longOpt("prompt").hasArg().argName("text")
                    .desc("the prompt text; needs --tokenizer").get())
            .addOption(Option.builder().longOpt("tokenizer").hasArg().argName("file")
                    .desc("SentencePiece tokenizer.model or Hugging Face tokenizer.json").get())
            .addOption(Option.builder().longOpt("prompt-ids").hasArg().argName("\"id id ...\"")
                    .desc("the prompt as token ids, separated by spaces or commas (used as given: no BOS added)").get())
            .addOption(Option.builder().longOpt("no-bos")
                    .desc("do not put the tokenizer's BOS id before an encoded --prompt").get())
            .addOption(MAX_NEW)
            .addOption(Option.builder().longOpt("temperature").hasArg().argName("T")
                    .desc("0 (default): greedy, deterministic; above 0: sample from softmax(logits / T)").get())
            .addOption(Option.builder().longOpt("top-p").hasArg().argName("p")
                    .desc("nucleus sampling: only the most likely tokens adding up to p (default 1)").get())
            .addOption(Option.builder().longOpt("seed").hasArg().argName("n")
                    .desc("seed of the sampler (default 0)").get())
            .addOption(EOS)
            .addOption(Option.builder().longOpt("print-ids")
                    .desc("print the new token ids instead of the text").get())
            .addOption(DeviceOption.option("the device to generate"));

    GenerateCommand() {
        super("generate",
                "continue a prompt with a checkpoint or a Hugging Face model (CPU or GPU, key-value cache)", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        String load = line.getOptionValue("load");
        String hf = line.getOptionValue("hf");
        if (load == null && hf == null) {
            throw new UsageException("no model given: --load DIR (a checkpoint) or --hf DIR (a Hugging Face model "
                    + "directory)");
        }
        if (load != null && hf != null) {
            throw new UsageException("--load and --hf are alternatives: give one model");
        }
        String text = line.getOptionValue("prompt");
        String idsText = line.getOptionValue("prompt-ids");
        if ((text == null) == (idsText == null)) {
            throw new UsageException(text == null
                    ? "no prompt given: --prompt TEXT (with --tokenizer) or --prompt-ids \"1 450 ...\""
                    : "--prompt and --prompt-ids are alternatives: give one prompt");
        }
        String tokenizerFile = line.getOptionValue("tokenizer");
        if (text != null && tokenizerFile == null) {
            throw new UsageException("--prompt needs --tokenizer (tokenizer.model or tokenizer.json) to encode it; "
                    + "or give --prompt-ids");
        }
        if (text != null && text.isEmpty() || idsText != null && idsText.isBlank()) {
            throw new UsageException("the prompt is empty: generation needs at least one token");
        }
        int maxNew = CliParsing.intOption(line, MAX_NEW, 64);
        double temperature = doubleOption(line, "temperature", 0);
        double topP = doubleOption(line, "top-p", 1);
        long seed;
        try {
            seed = Long.parseLong(line.getOptionValue("seed", "0"));
        } catch (NumberFormatException e) {
            throw new UsageException("--seed must be an integer, got '" + line.getOptionValue("seed") + "'");
        }
        boolean printIds = line.hasOption("print-ids");
        ComputeDevice device = DeviceOption.select(line);        // before anything is read or allocated

        GenerationModel.Source source;
        try {
            source = load != null ? GenerationModel.checkpoint(Path.of(load))
                    : GenerationModel.huggingFace(Path.of(hf));
        } catch (CheckpointException e) {
            throw new UsageException(e.getMessage());      // a wrong directory: the message says enough
        }
        LlamaConfig config = source.config();
        Tokenizer tokenizer = tokenizerFile == null ? null : Tokenizers.open(Path.of(tokenizerFile));
        try {
            if (tokenizer != null && tokenizer.vocabSize() > config.vocabSize()) {
                throw new UsageException("tokenizer " + tokenizerFile + " has " + tokenizer.vocabSize()
                        + " ids but the model's vocabulary has " + config.vocabSize() + ": not this model's tokenizer");
            }
            int[] prompt = text != null ? encode(tokenizer, text, !line.hasOption("no-bos")) : parseIds(idsText);
            int eos = line.hasOption("eos-id") ? CliParsing.intOption(line, EOS, -1) : defaultEos(source, tokenizer);
            GenerationSettings settings;
            try {
                settings = new GenerationSettings(maxNew, temperature, topP, seed, eos);
                LlamaGenerator.checkPrompt(config, prompt, maxNew);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            long loadStart = System.nanoTime();
            try (Llama model = GenerationModel.load(source, ScalarType.Float, device)) {
                LlamaGenerator generator = new LlamaGenerator(model);
                System.err.printf("loaded %s on %s in %.1f s%n", source.stepDir() != null ? source.stepDir()
                        : source.dir(), device.name(), (System.nanoTime() - loadStart) / 1e9);
                long start = System.nanoTime();
                int[] generated = generator.generate(prompt, settings, id -> { });
                double seconds = (System.nanoTime() - start) / 1e9;
                if (printIds || tokenizer == null) {
                    System.out.println(Arrays.stream(generated).mapToObj(Integer::toString)
                            .collect(Collectors.joining(" ")));
                } else {
                    int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
                    System.arraycopy(generated, 0, all, prompt.length, generated.length);
                    System.out.println(tokenizer.decode(all));
                }
                System.err.printf("%d prompt + %d new tokens in %.2f s (%.1f new tokens/s)%n", prompt.length,
                        generated.length, seconds, generated.length / Math.max(seconds, 1e-9));
            }
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
        return 0;
    }

    private static int[] encode(Tokenizer tokenizer, String text, boolean bos) {
        int[] ids = tokenizer.encode(text);
        if (!bos || tokenizer.bosId() < 0) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tokenizer.bosId();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    static int[] parseIds(String text) throws UsageException {
        String[] parts = text.trim().split("[\\s,]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UsageException("--prompt-ids must be integers separated by spaces, got '" + parts[i] + "'");
            }
        }
        return ids;
    }

    private static int defaultEos(GenerationModel.Source source, Tokenizer tokenizer) {
        if (source.hfExtra().get("eos_token_id") instanceof Number n) {
            return n.intValue();
        }
        return tokenizer != null ? tokenizer.eodId() : -1;
    }

    private static double doubleOption(CommandLine line, String name, double defaultValue) throws UsageException {
        String value = line.getOptionValue(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + value + "'");
        }
    }
}
