package org.llemma4j.runtime.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.hf.HfDirectory;
import org.llemma4j.parallel.device.ComputeDevice;
import org.llemma4j.trainer.config.ConfigException;
import org.llemma4j.trainer.config.ModelSection;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.model.hf.HfLlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.nn.Param;
import org.llemma4j.trainer.tensor.Tensors;
import org.llemma4j.trainer.tp.TensorParallelPlan;

/**
 * The model {@code launch generate} runs: the architecture from a checkpoint's manifest (the resolved run config)
 * or a Hugging Face {@code config.json}, then the whole (TP=1) weights, on the CPU or the device given.
 */
public final class GenerationModel {

    /** Where the weights come from, with the architecture already read (cheap: no tensor data). */
    public record Source(Path dir, boolean huggingFace, Path stepDir, LlamaConfig config, Map<String, Object> hfExtra) {
    }

    private GenerationModel() {
    }

    /** A Hugging Face model directory ({@code config.json} and safetensors). */
    public static Source huggingFace(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(HfDirectory.CONFIG_FILE))) {
            throw new CheckpointException(dir + " is not a Hugging Face model directory: it has no "
                    + HfDirectory.CONFIG_FILE);
        }
        HfLlamaConfig hf = HfModels.readConfig(dir);
        return new Source(dir, true, null, hf.model(), hf.extra());
    }

    /**
     * A checkpoint: a save directory (its {@code latest} step is used) or one step directory (it holds
     * {@code manifest.json}).
     */
    public static Source checkpoint(Path dir) throws IOException {
        Path stepDir;
        CheckpointStore store;
        if (Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
            stepDir = dir;
            store = new CheckpointStore(dir.toAbsolutePath().getParent());
        } else {
            store = new CheckpointStore(dir);
            Optional<Path> latest = Files.isDirectory(dir) ? store.latest() : Optional.empty();
            stepDir = latest.orElseThrow(() -> new CheckpointException("no checkpoint in " + dir
                    + ": it has neither a 'latest' file nor a " + Manifest.FILE_NAME));
        }
        Manifest manifest = store.readManifest(stepDir);
        return new Source(dir, false, stepDir, fromNeoxKeys(manifest.config(), stepDir), Map.of());
    }

    /**
     * A Llama of the source's architecture in {@code dtype} holding its weights. The model's own initialization
     * is overwritten; every parameter must be present with its shape.
     */
    public static Llama load(Source source, ScalarType dtype) throws IOException {
        return load(source, dtype, ComputeDevice.cpu());
    }

    /**
     * As {@link #load(Source, ScalarType)}, on {@code device}: the parameters and RoPE tables are allocated there,
     * and each weight is read into a host tensor, copied over and freed before the next, so the host holds one
     * tensor of the model at a time.
     */
    public static Llama load(Source source, ScalarType dtype, ComputeDevice device) throws IOException {
        Llama model = new Llama(source.config(), TensorParallelPlan.SINGLE, dtype, AttentionKernel.MATMUL, 0, 1,
                device);
        try {
            if (source.huggingFace()) {
                try (HfDirectory hf = HfModels.open(source.dir(), new HfLlamaConfig(source.config(),
                        source.hfExtra()))) {
                    for (Param p : model.parameters().params()) {
                        try (PointerScope scope = new PointerScope()) {
                            copyInto(p, hf.tensor(p.name()), source.dir());
                        }
                    }
                }
            } else {
                try (CheckpointReader reader = new CheckpointStore(source.stepDir().toAbsolutePath().getParent())
                        .open(source.stepDir())) {
                    for (Param p : model.parameters().params()) {
                        try (PointerScope scope = new PointerScope()) {
                            copyInto(p, reader.read(p.name()), source.stepDir());
                        }
                    }
                }
            }
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static void copyInto(Param p, Tensor whole, Path source) throws CheckpointException {
        if (!Arrays.equals(Tensors.shape(whole), p.fullShape())) {
            throw new CheckpointException("tensor " + p.name() + " in " + source + " has shape "
                    + Arrays.toString(Tensors.shape(whole)) + " but the config gives "
                    + Arrays.toString(p.fullShape()));
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            p.value().detach().copy_(whole);
        }
    }

    /**
     * The architecture under GPT-NeoX keys (a resolved run config, or a Hugging Face config's), read as
     * training reads it ({@link ModelSection#fromNeoxKeys}): the same keys, checks and defaults.
     */
    public static LlamaConfig fromNeoxKeys(Map<String, Object> keys, Path source) throws CheckpointException {
        try {
            return ModelSection.fromNeoxKeys(keys);
        } catch (ConfigException e) {
            throw new CheckpointException("the model config of " + source + " is not usable: " + e.getMessage(), e);
        }
    }
}
