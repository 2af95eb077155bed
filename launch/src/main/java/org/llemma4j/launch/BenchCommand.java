package org.llemma4j.launch;

import java.util.OptionalDouble;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.parallel.device.DeviceKind;
import org.llemma4j.parallel.device.DeviceRequest;
import org.llemma4j.runtime.bench.BenchClock;
import org.llemma4j.runtime.bench.StepBench;
import org.llemma4j.runtime.bench.StepBenchSettings;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.SdpaBackend;

/**
 * {@code launch bench}: the options of {@link StepBench} (training steps of a Llama of a given shape on random
 * tokens on the CPU or a GPU: tokens/s, MFU and where the time goes). It selects the device as a run does
 * ({@code --device}, before anything is allocated). A benchmark, not a test: figures vary with the machine.
 */
final class BenchCommand extends OptionsCommand {

    private static final Option HIDDEN = Option.builder().longOpt("hidden").hasArg().desc("hidden size (768)").get();
    private static final Option LAYERS = Option.builder().longOpt("layers").hasArg().desc("layers (12)").get();
    private static final Option HEADS = Option.builder().longOpt("heads").hasArg().desc("attention heads (12)").get();
    private static final Option KV_HEADS = Option.builder().longOpt("kv-heads").hasArg()
            .desc("key/value heads, a divisor of --heads (--heads: no grouped-query attention)").get();
    private static final Option FFN = Option.builder().longOpt("ffn").hasArg().desc("intermediate size (2048)").get();
    private static final Option VOCAB = Option.builder().longOpt("vocab").hasArg().desc("vocabulary (32000)").get();
    private static final Option SEQ = Option.builder().longOpt("seq").hasArg().desc("sequence length (512)").get();
    private static final Option BATCH = Option.builder().longOpt("micro-batch").hasArg().desc("micro batch (4)").get();
    private static final Option STEPS = Option.builder().longOpt("steps").hasArg().desc("timed steps (3)").get();
    private static final Option KERNEL = Option.builder().longOpt("attention").hasArg()
            .desc("attention kernel: MATMUL, SDPA_FP32 or SDPA (SDPA on CUDA, MATMUL on the CPU)").get();
    private static final Option DEVICE = Option.builder().longOpt("device").hasArg()
            .desc("auto, cpu or cuda (auto: CUDA when libtorch sees a GPU; cuda:0, or the first of "
                    + "CUDA_VISIBLE_DEVICES)").get();
    private static final Option RECOMPUTE = Option.builder().longOpt("recompute")
            .desc("activation checkpointing: keep each layer's input only and recompute its forward in the "
                    + "backward pass (off)").get();
    private static final Option SDPA_BACKEND = Option.builder().longOpt("sdpa-backend").hasArg()
            .desc("SDPA implementations allowed: ANY, or FLASH (math, memory-efficient and cuDNN off: an SDPA "
                    + "call flash cannot serve fails) (ANY)").get();
    private static final Option PEAK_TFLOPS = Option.builder().longOpt("peak-tflops").hasArg()
            .desc("a GPU's dense bf16 peak for MFU, instead of its datasheet figure").get();
    private static final Option THREADS = Option.builder().longOpt("threads").hasArg()
            .desc("intra-op threads (available cores)").get();
    private static final Option CLOCK = Option.builder().longOpt("clock").hasArg()
            .desc("WALL (elapsed time) or CPU (the main thread's CPU time, with --threads 1 and "
                    + "OPENBLAS_NUM_THREADS=1: unaffected by other processes on a shared machine) (WALL)").get();
    private static final Options OPTIONS = new Options().addOption(HIDDEN).addOption(LAYERS).addOption(HEADS)
            .addOption(KV_HEADS).addOption(FFN).addOption(VOCAB).addOption(SEQ).addOption(BATCH).addOption(STEPS)
            .addOption(KERNEL).addOption(THREADS).addOption(CLOCK).addOption(DEVICE).addOption(RECOMPUTE)
            .addOption(SDPA_BACKEND).addOption(PEAK_TFLOPS);

    BenchCommand() {
        super("bench", "time training steps of a Llama of a given shape on this machine's CPU or GPU", OPTIONS);
    }

    @Override
    int run(CommandLine line) throws Exception {
        int threads = CliParsing.intOption(line, THREADS, Runtime.getRuntime().availableProcessors());
        int hidden = CliParsing.intOption(line, HIDDEN, 768);
        int heads = CliParsing.intOption(line, HEADS, 12);
        int seq = CliParsing.intOption(line, SEQ, 512);
        int batch = CliParsing.intOption(line, BATCH, 4);
        int steps = CliParsing.intOption(line, STEPS, 3);
        BenchClock clock = CliParsing.enumOption(line, CLOCK, BenchClock.class, BenchClock.WALL);
        if (clock == BenchClock.CPU && threads != 1) {
            throw new UsageException("--clock CPU counts the main thread's CPU time, which is the whole computation "
                    + "only with --threads 1 (got --threads " + threads + ")");
        }
        if (clock == BenchClock.CPU && !"1".equals(System.getenv("OPENBLAS_NUM_THREADS"))) {
            // libtorch's fp32 matrix multiplies go to OpenBLAS, whose own thread pool ignores --threads.
            throw new UsageException("--clock CPU needs OPENBLAS_NUM_THREADS=1 in the environment: OpenBLAS runs "
                    + "fp32 matrix multiplies on threads of its own otherwise, which the main thread's clock misses");
        }
        DeviceRequest request = deviceRequest(line);
        OptionalDouble peakTflops = line.hasOption(PEAK_TFLOPS.getLongOpt())
                ? OptionalDouble.of(CliParsing.doubleOption(line, PEAK_TFLOPS)) : OptionalDouble.empty();
        SdpaBackend sdpa = CliParsing.enumOption(line, SDPA_BACKEND, SdpaBackend.class, SdpaBackend.ANY);
        StepBenchSettings settings;
        LlamaConfig config;
        try {
            config = LlamaConfig.builder().numLayers(CliParsing.intOption(line, LAYERS, 12)).hiddenSize(hidden)
                    .numHeads(heads).numKvHeads(CliParsing.intOption(line, KV_HEADS, heads))
                    .intermediateSize(CliParsing.intOption(line, FFN, 2048))
                    .vocabSize(CliParsing.intOption(line, VOCAB, 32000)).maxPositions(seq).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("the model shape of --hidden, --layers, --heads, --kv-heads, --ffn, --vocab "
                    + "and --seq: " + e.getMessage());
        }
        // Selected before anything is allocated; on the CPU it sets the intra-op threads.
        ComputeDevice device = ComputeDevice.select(request, 0, 1, threads);
        if (clock == BenchClock.CPU && device.kind() == DeviceKind.CUDA) {
            throw new UsageException("--clock CPU times the host thread, but the benchmark runs on " + device
                    + ", whose steps are timed by its events: drop --clock or give --device cpu");
        }
        AttentionKernel kernel = CliParsing.enumOption(line, KERNEL, AttentionKernel.class,
                device.kind() == DeviceKind.CUDA ? AttentionKernel.SDPA : AttentionKernel.MATMUL);
        try {
            settings = new StepBenchSettings(config, seq, batch, steps, kernel, threads, clock,
                    line.hasOption(RECOMPUTE.getLongOpt()) ? 1 : 0, sdpa, peakTflops);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        StepBench.run(settings, device, System.out);
        return 0;
    }

    private static DeviceRequest deviceRequest(CommandLine line) throws UsageException {
        try {
            return DeviceRequest.parse(line.getOptionValue(DEVICE.getLongOpt(), "auto"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--device: " + e.getMessage());
        }
    }
}
