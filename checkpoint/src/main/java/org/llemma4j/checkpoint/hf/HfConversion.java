package org.llemma4j.checkpoint.hf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.llemma4j.checkpoint.CheckpointException;
import org.llemma4j.checkpoint.CheckpointReader;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.FlatParam;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.ShardWriter;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;

/**
 * {@code launch convert}: a Hugging Face Llama directory to a step-0 checkpoint and a checkpoint back to a Hugging
 * Face directory. The step-0 checkpoint holds the weights at TP=1 and no optimizer state; the trainer reads it at
 * any TP degree and initializes its fp32 master weights from it.
 */
public final class HfConversion {

    private HfConversion() {
    }

    /**
     * Converts {@code hfDir} into step 0 of {@code store}, streaming tensor by tensor.
     *
     * @param ropeTheta   {@code --rotary-emb-base}: replaces the directory's {@code rope_theta} when present
     * @param dtype       stored dtype of the weights (BF16 for training)
     * @param extraConfig further config keys to record in the manifest (merged over the architecture keys)
     * @return the committed manifest; its config holds the architecture under GPT-NeoX keys
     */
    public static Manifest importToCheckpoint(Path hfDir, CheckpointStore store, OptionalDouble ropeTheta,
                                              SafetensorsDtype dtype, Map<String, Object> extraConfig)
            throws IOException {
        try (HfLlamaImporter in = HfLlamaImporter.open(hfDir)) {
            HfLlamaConfig config = ropeTheta.isPresent() ? in.config().withRopeTheta(ropeTheta.getAsDouble())
                    : in.config();
            ParallelLayout layout = new ParallelLayout(1, 1, 0);
            List<FlatParam> params = new ArrayList<>();
            for (HfTensor t : config.tensors()) {
                params.add(new FlatParam(t.name(), t.shape(), t.shardDim()));
            }
            Path tmp = store.beginSave(0);
            try {
                new ShardWriter(tmp, layout).writeModel(0, params, dtype, in);
                Map<String, Object> neox = new LinkedHashMap<>(config.toNeoxKeys());
                neox.putAll(extraConfig);
                return store.commit(tmp, Manifest.forSave(0, 0, null, Map.of(), neox, layout));
            } catch (IOException | RuntimeException e) {
                store.abort(tmp);
                throw e;
            }
        }
    }

    /**
     * Exports the weights of a step directory as a Hugging Face directory; the architecture comes from the GPT-NeoX
     * keys of the manifest's config.
     */
    public static List<Path> exportCheckpoint(CheckpointStore store, Path stepDir, Path outDir,
                                              SafetensorsDtype dtype, long maxShardBytes) throws IOException {
        try (CheckpointReader reader = store.open(stepDir)) {
            HfLlamaConfig config;
            try {
                config = HfLlamaConfig.fromNeoxKeys(reader.manifest().config());
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new CheckpointException(stepDir.resolve(Manifest.FILE_NAME) + ": the config does not describe a "
                        + "Llama: " + e.getMessage());
            }
            return new HfLlamaExporter(dtype, maxShardBytes).export(config, reader::read, outDir);
        }
    }
}
