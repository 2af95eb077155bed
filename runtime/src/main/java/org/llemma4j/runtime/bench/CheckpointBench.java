package org.llemma4j.runtime.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.FileEntry;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.OptimizerNames;
import org.llemma4j.checkpoint.io.Durable;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.runtime.checkpoint.SafetensorsCheckpointing;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.train.Checkpointing;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * The checkpoint benchmark of {@code launch bench-checkpoint}: saves and loads the checkpoint of a bf16 model with
 * its AdamW state through the trainer's own checkpointing (safetensors files, CRC-32C, fsync, rename,
 * {@code latest}; load verifies the checksums, then reads weights and optimizer state), and prints MB/s next to the
 * raw sequential write rate of the same file system (a FileChannel write of the same number of bytes, then
 * {@code force}), measured first.
 */
public final class CheckpointBench {

    private CheckpointBench() {
    }

    /**
     * Runs the benchmark in {@code dir}, which must not exist: it is made, used and deleted.
     *
     * @param saving  the run that saves (its model, optimizer settings and {@code save} directory inside dir)
     * @param loading the same run loading from that directory ({@code load})
     * @param repeats saves and loads timed; the best and the median are printed
     */
    public static void run(TrainConfig saving, TrainConfig loading, Path dir, int repeats, PrintStream out)
            throws IOException {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        Path save = saving.checkpoint().save().orElseThrow(() -> new IllegalArgumentException(
                "the saving config needs a save directory"));
        if (Files.exists(dir)) {
            throw new IllegalArgumentException(dir + " exists; the benchmark deletes its directory afterwards");
        }
        Files.createDirectories(dir);
        try {
            FileStore store = Files.getFileStore(dir);
            out.printf(Locale.ROOT, "machine: %s, %d cores, load average %s%n", BenchHost.cpu(),
                    Runtime.getRuntime().availableProcessors(), BenchHost.loadAverage());
            out.printf(Locale.ROOT, "disk: %s (%s, %s), %,.0f MB free%n", dir, store.name(), store.type(),
                    store.getUsableSpace() / 1e6);
            try (Llama model = new Llama(saving.model(), TensorParallelPlan.SINGLE, ScalarType.BFloat16,
                    AttentionKernel.SDPA_FP32, saving.training().seed());
                 DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                         saving.optimizer().adamW(), ParallelContext.single())) {
                ParallelContext single = ParallelContext.single();
                long bytes = -1;
                double[] saveSeconds = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    new SafetensorsCheckpointing(saving, single).save(new Checkpointing.SavePoint(r + 1, 0, 1e-4),
                            model.parameters(), optimizer);
                    saveSeconds[r] = (System.nanoTime() - t0) / 1e9;
                    bytes = checkpointBytes(save);
                }
                out.printf(Locale.ROOT, "model: %,d parameters (hidden %d, %d layers, %d heads, ffn %d, vocab "
                                + "%d), bf16 weights + fp32 master, exp_avg, exp_avg_sq: checkpoint %,.0f MB%n",
                        saving.model().parameterCount(), saving.model().hiddenSize(),
                        saving.model().numLayers(), saving.model().numHeads(),
                        saving.model().intermediateSize(), saving.model().vocabSize(), bytes / 1e6);

                double raw = rawWriteSeconds(dir.resolve("raw.bin"), bytes);
                out.printf(Locale.ROOT, "raw sequential write (FileChannel, 8 MB writes, then force): "
                        + "%,.0f MB in %.2f s = %,.0f MB/s%n", bytes / 1e6, raw, bytes / 1e6 / raw);

                double[] loadSeconds = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    CheckpointStore verifier = new CheckpointStore(save);
                    verifier.verify(verifier.latest().orElseThrow());
                    long t1 = System.nanoTime();
                    SafetensorsCheckpointing loader = new SafetensorsCheckpointing(loading, single);
                    loader.loadWeights(model.parameters());
                    long t2 = System.nanoTime();
                    loader.loadOptimizer(optimizer.state());
                    long t3 = System.nanoTime();
                    loadSeconds[r] = (t3 - t1) / 1e9;
                    double readOnly = readOptimizerStateSeconds(verifier, model);
                    out.printf(Locale.ROOT, "load %d: %.2f s = checksums and weights %.2f s (of which a "
                                    + "separate CRC-32C pass over all files takes %.2f s) + optimizer state %.2f s (of "
                                    + "which reading the three flat states alone takes %.2f s)%n",
                            r + 1, loadSeconds[r], (t2 - t1) / 1e9, (t1 - t0) / 1e9, (t3 - t2) / 1e9, readOnly);
                }
                report(out, "save (write, CRC-32C, fsync, rename, latest)", bytes, saveSeconds, raw);
                report(out, "load (verify CRC-32C, read weights and optimizer; page cache warm)", bytes, loadSeconds,
                        raw);
            }
        } finally {
            Durable.deleteTree(dir);
        }
    }

    /** Seconds for CheckpointReader.readFlat of master, exp_avg and exp_avg_sq, the tensors then freed. */
    private static double readOptimizerStateSeconds(CheckpointStore store, Llama model) throws IOException {
        List<ParamSpec> order = model.parameters().params().stream().map(Param::spec).toList();
        long t0 = System.nanoTime();
        try (CheckpointReader reader = store.open(store.latest().orElseThrow());
             PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            for (String state : List.of(OptimizerNames.MASTER,
                    OptimizerNames.EXP_AVG, OptimizerNames.EXP_AVG_SQ)) {
                reader.readFlat(state, order, 1, 0, 0, model.parameters().numel());
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void report(PrintStream out, String what, long bytes, double[] seconds, double rawSeconds) {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double best = sorted[0];
        double median = sorted[sorted.length / 2];
        out.printf(Locale.ROOT, "%s: best %.2f s = %,.0f MB/s (%.0f%% of raw write), median %.2f s = %,.0f "
                        + "MB/s, over %d runs%n", what, best, bytes / 1e6 / best, 100 * rawSeconds / best, median,
                bytes / 1e6 / median, seconds.length);
    }

    private static long checkpointBytes(Path save) throws IOException {
        CheckpointStore store = new CheckpointStore(save);
        Manifest m = store.readManifest(store.latest().orElseThrow());
        long n = Files.size(store.latest().orElseThrow().resolve(Manifest.FILE_NAME));
        for (FileEntry f : m.files().values()) {
            n += f.bytes();
        }
        return n;
    }

    /** Seconds to write {@code bytes} of random data sequentially and force them to the device. */
    private static double rawWriteSeconds(Path file, long bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
        byte[] noise = new byte[buffer.capacity()];
        new Random(1).nextBytes(noise);
        buffer.put(noise);
        long t0 = System.nanoTime();
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < bytes) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), bytes - written));
                while (buffer.hasRemaining()) {
                    written += c.write(buffer);
                }
            }
            c.force(true);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Files.delete(file);
        return seconds;
    }
}
