package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/gpu-bundle used the way an air-gapped node uses it, with the CPU natives: the bundle is made once from
 * this build (--no-build, xz -0 to keep it quick), reassembled from its parts by its reassemble.sh, and run with
 * a PATH that holds a few system tools only (no mvn, no java) and an empty HOME.
 */
class GpuBundleTest {

    private static final Path ROOT = Path.of(System.getProperty("project.root", ".")).toAbsolutePath().normalize();
    /** What reassemble.sh and bin/launch may use on a node; anything else they call fails these tests. */
    private static final List<String> NODE_TOOLS = List.of("bash", "cat", "cut", "dirname", "grep", "head", "ldd",
            "mkdir", "mktemp", "mv", "rm", "sha256sum", "sort", "tar", "xz");
    private static final Pattern LOSS = Pattern.compile("step +\\d+ \\| loss ([0-9.]+)");
    private static final Pattern LOADED = Pattern.compile("Debug: Loading (/\\S+)");
    private static final int STEPS = 6;

    @TempDir
    static Path tmp;
    private static Path folder;          // what gpu-bundle made: parts, SHA256SUMS, reassemble.sh
    private static List<Path> parts;
    private static Map<String, String> node;
    private static Path bundle;          // the extracted bundle
    private static String reassembleOutput;

    @BeforeAll
    static void makeAndReassembleTheBundle() throws Exception {
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        assertTrue(Files.isExecutable(jlink), "these tests need a JDK with jlink: " + jlink);
        long start = System.nanoTime();
        Result made = run(List.of(ROOT.resolve("scripts/gpu-bundle").toString(), "--cpu", "--no-build", "--out",
                tmp.resolve("out").toString(), "--xz-level", "0"), Map.of("JAVA_HOME", System.getProperty("java.home")),
                ROOT, tmp.resolve("bundle.log"));
        assertEquals(0, made.status(), made.output());
        folder = tmp.resolve("out/llemma4j-cpu");
        try (Stream<Path> files = Files.list(folder)) {
            parts = files.filter(p -> p.getFileName().toString().contains(".part-")).sorted().toList();
        }
        long madeAt = System.nanoTime();

        node = nodeEnvironment();
        Result reassembled = run(List.of("bash", folder.resolve("reassemble.sh").toString(),
                tmp.resolve("node").toString()), node, tmp, tmp.resolve("reassemble.log"));
        assertEquals(0, reassembled.status(), reassembled.output());
        reassembleOutput = reassembled.output();
        bundle = tmp.resolve("node/llemma4j-cpu");
        System.out.printf("gpu-bundle --cpu --no-build --xz-level 0: %d s, %d parts; reassemble.sh: %d s%n",
                (madeAt - start) / 1_000_000_000L, parts.size(), (System.nanoTime() - madeAt) / 1_000_000_000L);
    }

    @Test
    void theArchiveComesInPartsOfAtMost60MbThatReassembleChecks() throws Exception {
        assertTrue(parts.size() >= 2, "expected the archive in several parts: " + parts);
        for (Path part : parts) {
            assertTrue(Files.size(part) <= 60_000_000, part + " is larger than 60 MB");
        }
        assertTrue(reassembleOutput.contains(parts.size() + " parts match SHA256SUMS"), reassembleOutput);
        Result noMaven = run(List.of("bash", "-c", "command -v mvn || command -v java"), node, tmp,
                tmp.resolve("which.log"));
        assertEquals(1, noMaven.status(), "the node's PATH must hold neither mvn nor java: " + noMaven.output());
        try (Stream<Path> jars = Files.list(bundle.resolve("jars"))) {
            assertTrue(jars.noneMatch(j -> j.getFileName().toString().matches("(tokenizers|sentencepiece|jna).*")),
                    "the bundle should hold no tokenizer jars");
        }
    }

    @Test
    void trainsOnItsOwnRuntimeAndNativesThenGeneratesFromTheCheckpoint() throws Exception {
        long start = System.nanoTime();
        Path save = tmp.resolve("save");
        List<String> train = new ArrayList<>(List.of(bundle.resolve("bin/launch").toString()));
        train.addAll(SmallRun.trainArgs(tmp.resolve("run"), STEPS, "eval_iters=1", "checkpoint_factor=" + STEPS,
                "save=" + save));
        Map<String, String> debug = new HashMap<>(node);
        debug.put("JAVA_OPTS", "-XshowSettings:properties -Dorg.bytedeco.javacpp.logger.debug=true");
        Result trained = run(train, debug, bundle, tmp.resolve("train.log"));
        assertEquals(0, trained.status(), trained.output());
        assertTrue(trained.output().contains("java.home = " + bundle.resolve("runtime")),
                "not the bundle's own Java runtime:\n" + trained.output());
        assertLossFalls(trained.output());
        assertNativesFromBundle(trained.output());
        try (Stream<Path> files = Files.list(Path.of(node.get("HOME")))) {
            assertEquals(List.of(), files.toList(), "the bundle wrote into HOME");
        }
        long trainedAt = System.nanoTime();

        Result generated = run(List.of(bundle.resolve("bin/launch").toString(), "generate", "--load", save.toString(),
                "--prompt-ids", "1 450 6561", "--max-new-tokens", "4"), node, bundle, tmp.resolve("generate.log"));
        assertEquals(0, generated.status(), generated.output());
        assertTrue(generated.output().lines().anyMatch(l -> l.matches("\\d+ \\d+ \\d+ \\d+")),
                "expected 4 generated ids:\n" + generated.output());
        System.out.printf("bundle: train %d steps %d s, generate %d s%n", STEPS, (trainedAt - start) / 1_000_000_000L,
                (System.nanoTime() - trainedAt) / 1_000_000_000L);
    }

    @Test
    void commandsThatNeedTheTokenizerJarsSaySoInsteadOfFailingOnAMissingClass() throws Exception {
        Result textPrompt = run(List.of(bundle.resolve("bin/launch").toString(), "generate", "--load", "runs/x",
                "--prompt=x", "--tokenizer", "tokenizer.model"), node, bundle, tmp.resolve("prompt.log"));
        assertEquals(2, textPrompt.status(), textPrompt.output());
        assertTrue(textPrompt.output().startsWith("launch generate: this bundle has no tokenizer jars")
                && textPrompt.output().contains("--prompt-ids"), textPrompt.output());
        Result preprocess = run(List.of(bundle.resolve("bin/launch").toString(), "preprocess", "--input", "x.jsonl"),
                node, bundle, tmp.resolve("preprocess.log"));
        assertEquals(2, preprocess.status(), preprocess.output());
        assertTrue(preprocess.output().startsWith("launch preprocess: this bundle has no tokenizer jars"),
                preprocess.output());
    }

    @Test
    void aDamagedPartIsNamedAndTheEarlierExtractionStays() throws Exception {
        Path copy = Files.createDirectories(tmp.resolve("damaged"));
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path part = copy.resolve(parts.get(1).getFileName());
        try (RandomAccessFile file = new RandomAccessFile(part.toFile(), "rw")) {
            file.seek(1000);
            int b = file.read();
            file.seek(1000);
            file.write(b ^ 0xff);
        }
        Result damaged = run(List.of("bash", copy.resolve("reassemble.sh").toString(), tmp.resolve("node").toString()),
                node, tmp, tmp.resolve("damaged.log"));
        assertEquals(1, damaged.status(), damaged.output());
        assertTrue(damaged.output().startsWith("reassemble: part " + part.getFileName() + " is damaged: SHA-256 "),
                damaged.output());
        assertTrue(Files.isExecutable(bundle.resolve("bin/launch")), "the earlier extraction was touched");
    }

    @Test
    void wrongOptionsAndABuildOfTheOtherKindAreRefusedWithTheReason() throws Exception {
        Map<String, String> refusals = Map.of(
                "--cpu --cuda-arch sm_90", "gpu-bundle: --cuda-arch keeps CUDA cubins: it does not go with --cpu",
                "--cuda-arch 90", "gpu-bundle: --cuda-arch must look like sm_90, got '90'",
                "--cpu --part-size --no-build", "gpu-bundle: --part-size needs a value",
                // this build has the CPU natives (CI builds without -Pcuda): a CUDA bundle cannot come from it
                "--no-build", "is a cpu build, this is a cuda bundle: build with mvn -Pcuda -DskipTests package");
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            List<String> command = new ArrayList<>(List.of(ROOT.resolve("scripts/gpu-bundle").toString(), "--out",
                    tmp.resolve("refused").toString()));
            command.addAll(List.of(refusal.getKey().split(" ")));
            Result refused = run(command, Map.of("JAVA_HOME", System.getProperty("java.home")), ROOT,
                    tmp.resolve("refused.log"));
            assertEquals(1, refused.status(), refusal.getKey() + ": " + refused.output());
            assertTrue(refused.output().contains(refusal.getValue()), refusal.getKey() + ": " + refused.output());
        }
    }

    /** PATH: a directory of links to {@link #NODE_TOOLS} only; HOME: an empty directory. */
    private static Map<String, String> nodeEnvironment() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("node-bin"));
        for (String tool : NODE_TOOLS) {
            Path found = Stream.of(System.getenv("PATH").split(":")).map(dir -> Path.of(dir, tool))
                    .filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("these tests need " + tool + " on PATH"));
            Files.createSymbolicLink(bin.resolve(tool), found.toRealPath());
        }
        Path home = Files.createDirectories(tmp.resolve("home"));
        return Map.of("PATH", bin.toString(), "HOME", home.toString(), "LC_ALL", "C.UTF-8");
    }

    private static void assertLossFalls(String output) {
        List<Double> losses = new ArrayList<>();
        Matcher m = LOSS.matcher(output);
        while (m.find()) {
            losses.add(Double.parseDouble(m.group(1)));
        }
        assertEquals(STEPS, losses.size(), "expected one loss line per step:\n" + output);
        assertTrue(losses.get(STEPS - 1) < losses.get(0), "the loss did not fall: " + losses);
    }

    /** Every library of libtorch, OpenBLAS and the JNI glue that JavaCPP loaded came from inside the bundle. */
    private static void assertNativesFromBundle(String output) {
        Matcher m = LOADED.matcher(output);
        int fromBundle = 0;
        while (m.find()) {
            String path = m.group(1);
            if (path.matches(".*/lib(jni\\w*|torch\\w*|c10\\w*|openblas\\w*|gomp)\\.so.*")) {
                assertTrue(path.startsWith(bundle + "/"), "loaded from outside the bundle: " + path);
                fromBundle++;
            }
        }
        assertTrue(fromBundle >= 8, "JavaCPP's debug log names too few libraries:\n" + output);
    }

    private record Result(int status, String output) {
    }

    /**
     * Runs {@code command} in {@code dir}, its output to {@code log}; an {@code env} that sets PATH is the whole
     * environment (a node's), any other is added to this JVM's.
     */
    private static Result run(List<String> command, Map<String, String> env, Path dir, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        if (env.containsKey("PATH")) {
            builder.environment().clear();
        }
        builder.environment().putAll(env);
        Process process = builder.start();
        boolean exited = SmallRun.waitFor(process, 900);
        return new Result(exited ? process.exitValue() : -1, Files.readString(log));
    }
}
