package org.llemma4j.launch;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.llemma4j.data.preprocess.PreprocessOptions;
import org.llemma4j.data.preprocess.Preprocessor;

/**
 * {@code launch preprocess}: flag parsing only; the work is {@link Preprocessor}. Flags follow GPT-NeoX's
 * {@code preprocess_data.py} where they overlap, so its command lines carry over: {@code --append-eod} is off
 * unless given, and {@code --input} also accepts a comma-separated list.
 */
public final class PreprocessCommand extends Command {

    public PreprocessCommand() {
        super("preprocess", "tokenize .jsonl[.zst] / .txt corpora into a GPT-NeoX indexed dataset (.bin/.idx)");
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("input").hasArg().argName("path|dir|glob")
                .desc("input file, directory or glob; repeatable, or comma-separated").get());
        o.addOption(Option.builder().longOpt("json-key").hasArg().argName("key")
                .desc("JSON key of the document text (default: text)").get());
        o.addOption(Option.builder().longOpt("tokenizer").hasArg().argName("file")
                .desc("SentencePiece tokenizer.model or Hugging Face tokenizer.json").get());
        o.addOption(Option.builder().longOpt("output-prefix").hasArg().argName("prefix")
                .desc("writes {prefix}_{key}_document.bin/.idx").get());
        o.addOption(Option.builder().longOpt("append-eod").desc("append the end-of-document id to each document")
                .get());
        o.addOption(Option.builder().longOpt("bos").desc("prepend the BOS id to each document").get());
        o.addOption(Option.builder().longOpt("workers").hasArg().argName("n")
                .desc("tokenizing threads (default: 1)").get());
        o.addOption(Option.builder().longOpt("skip-bad-lines")
                .desc("skip lines that are not valid JSON instead of failing").get());
        o.addOption(Option.builder().longOpt("max-tokens").hasArg().argName("n")
                .desc("stop after the document that brings the output to n tokens (whole documents)").get());
        o.addOption(Option.builder("h").longOpt("help").desc("print this help").get());
        return o;
    }

    @Override
    public int run(List<String> args) throws Exception {
        Options options = options();
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options, args.toArray(new String[0]));
        } catch (ParseException e) {
            throw new UsageException(e.getMessage() + " (launch preprocess --help for usage)");
        }
        if (cl.hasOption("help")) {
            HelpFormatter help = new HelpFormatter();
            PrintWriter out = new PrintWriter(System.out, true);
            help.printHelp(out, 100, "launch preprocess --input <path> [--input ...] --tokenizer <file>"
                    + " --output-prefix <prefix> [options]", null, options, 2, 2, null);
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            throw new UsageException("unexpected arguments " + cl.getArgList()
                    + " (launch preprocess --help for usage)");
        }
        List<String> inputs = new ArrayList<>();
        for (String value : cl.getOptionValues("input") == null ? new String[0] : cl.getOptionValues("input")) {
            inputs.addAll(splitCommas(value));
        }
        PreprocessOptions po;
        try {
            po = new PreprocessOptions(inputs,
                    cl.getOptionValue("json-key", PreprocessOptions.DEFAULT_JSON_KEY),
                    cl.hasOption("tokenizer") ? Path.of(cl.getOptionValue("tokenizer")) : null,
                    cl.hasOption("output-prefix") ? Path.of(cl.getOptionValue("output-prefix")) : null,
                    cl.hasOption("append-eod"), cl.hasOption("bos"),
                    intValue(cl, "workers", 1), cl.hasOption("skip-bad-lines"), longValue(cl, "max-tokens", 0));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        new Preprocessor(po).run();
        return 0;
    }

    /** Commas separate inputs, except inside a {@code {a,b}} glob alternative. */
    private static List<String> splitCommas(String value) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth = Math.max(0, depth - 1);
            } else if (c == ',' && depth == 0) {
                addNonEmpty(out, value.substring(start, i));
                start = i + 1;
            }
        }
        addNonEmpty(out, value.substring(start));
        return out;
    }

    private static void addNonEmpty(List<String> out, String s) {
        if (!s.isBlank()) {
            out.add(s.trim());
        }
    }

    private static int intValue(CommandLine cl, String name, int fallback) throws UsageException {
        long v = longValue(cl, name, fallback);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new UsageException("--" + name + " " + v + " is out of range");
        }
        return (int) v;
    }

    private static long longValue(CommandLine cl, String name, long fallback) throws UsageException {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a whole number, got '" + v + "'");
        }
    }
}
