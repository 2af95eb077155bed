package org.llemma4j.data.preprocess;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.llemma4j.data.tokenizer.Tokenizer;
import org.llemma4j.data.tokenizer.Tokenizers;

/**
 * End-to-end preprocessing throughput on the whole proof-pile-2-mini fixture (not a unit test: timings depend on
 * the machine and its load, so it prints them with the machine instead of asserting).
 *
 * <pre>java -cp ... org.llemma4j.data.preprocess.PreprocessBenchmark &lt;fixtures dir&gt; [workers] [repetitions]</pre>
 *
 * It prints the single-thread encoder speed on the same documents (already in memory) as the ceiling to compare
 * against: the pipeline is doing its job when {@code workers} threads reach about {@code workers} times that.
 */
public final class PreprocessBenchmark {

    private PreprocessBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: PreprocessBenchmark <fixtures dir> [workers] [repetitions]");
            System.exit(2);
        }
        Path fixtures = Paths.get(args[0]);
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path corpus = fixtures.resolve("proof-pile-2-mini");
        Path model = fixtures.resolve("tokenizers/llama2-spm/tokenizer.model");
        System.out.println(machine());
        Path out = Files.createTempDirectory("preprocess-bench");
        try (Tokenizer tok = Tokenizers.open(model)) {
            encoderBaseline(tok, corpus);
            for (int r = 1; r <= reps; r++) {
                PreprocessOptions o = PreprocessOptions.of(List.of(corpus.toString()), model, out.resolve("bench"))
                        .withWorkers(workers);
                long cpu0 = processCpuNanos();
                PreprocessResult res = new Preprocessor(o).progressTo(null, 0).run(tok);
                double cpu = (processCpuNanos() - cpu0) / 1e9;
                System.out.printf(Locale.ROOT, "run %d, %d workers: %,d docs, %,d tokens, %.1f MB in %.2f s ->"
                        + " %,.0f tokens/s, %,.0f docs/s, %.2f MB/s; %.2f CPU s (%,.0f tokens per CPU s)%n", r,
                        workers, res.documents(), res.tokens(), res.textBytes() / 1e6, res.elapsed().toNanos() / 1e9,
                        res.tokensPerSecond(), res.documentsPerSecond(), res.megabytesPerSecond(), cpu,
                        res.tokens() / cpu);
            }
        } finally {
            try (Stream<Path> s = Files.walk(out)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Encoder alone, one thread, documents already decoded into Strings: the per-thread ceiling. */
    private static void encoderBaseline(Tokenizer tok, Path corpus) throws IOException {
        List<String> texts = new ArrayList<>();
        DocumentParser parser = new DocumentParser("text", false);
        for (Path f : InputFiles.expand(List.of(corpus.toString()))) {
            try (RecordReader in = new RecordReader(f, n -> { })) {
                RawRecord r;
                while ((r = in.next()) != null) {
                    texts.add(parser.text(r));
                }
            }
        }
        for (int rep = 0; rep < 2; rep++) {
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            long tokens = 0;
            for (String t : texts) {
                tokens += tok.encode(t).length;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            System.out.printf(Locale.ROOT, "encoder alone, 1 thread (pass %d): %,d tokens in %.2f s -> %,.0f"
                    + " tokens/s; %.2f CPU s (%,.0f tokens per CPU s)%n", rep + 1, tokens, s, tokens / s, cpu,
                    tokens / cpu);
        }
    }

    /** CPU time of the whole JVM: on a shared, loaded machine, tokens per CPU second is the steadier figure. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return -1;
    }

    static String machine() {
        String cpu = "unknown CPU";
        List<String> isa = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && cpu.startsWith("unknown")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags") && isa.isEmpty()) {
                    List<String> flags = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                    for (String f : List.of("avx2", "avx512f", "avx512_bf16", "amx_bf16")) {
                        if (flags.contains(f)) {
                            isa.add(f);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: the model name and instruction set stay unknown.
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format(Locale.ROOT, "machine: %d cores, %s (%s), %s %s, Java %s, load average %.2f at start",
                Runtime.getRuntime().availableProcessors(), cpu, isa.isEmpty() ? "no AVX2" : String.join(" ", isa),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"), load);
    }
}
