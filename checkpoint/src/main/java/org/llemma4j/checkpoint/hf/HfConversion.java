package org.llemma4j.checkpoint.hf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.llemma4j.checkpoint.CheckpointStore;
import org.llemma4j.checkpoint.Manifest;
import org.llemma4j.checkpoint.ParallelLayout;
import org.llemma4j.checkpoint.ShardWriter;
import org.llemma4j.checkpoint.TensorSource;
import org.llemma4j.checkpoint.safetensors.SafetensorsDtype;
import org.llemma4j.parallel.ParamSpec;

/**
 * {@code launch convert hf-to-checkpoint}: a Hugging Face directory to a step-0 checkpoint. The step-0 checkpoint
 * holds the weights at TP=1 and no optimizer state; the trainer reads it at any TP degree and initializes its fp32
 * master weights from it. (The way back is {@link HfExporter} over a {@code CheckpointReader}.)
 */
public final class HfConversion {

    private HfConversion() {
    }

    /**
     * Converts a model's weights, {@code tensors} read from {@code source} (an {@link HfDirectory}), into step 0 of
     * {@code store}, streaming tensor by tensor; a failure leaves no checkpoint.
     *
     * @param dtype  stored dtype of the weights (BF16 for training)
     * @param config the run config the manifest records: the architecture under GPT-NeoX keys, and what else the
     *               caller wants kept
     * @return the committed manifest
     */
    public static Manifest importToCheckpoint(List<ParamSpec> tensors, TensorSource source, CheckpointStore store,
                                              SafetensorsDtype dtype, Map<String, Object> config) throws IOException {
        ParallelLayout layout = new ParallelLayout(1, 1, 0);
        Path tmp = store.beginSave(0);
        try {
            new ShardWriter(tmp, layout).writeModel(0, tensors, dtype, source);
            return store.commit(tmp, Manifest.forSave(0, 0, null, Map.of(), config, layout));
        } catch (IOException | RuntimeException e) {
            store.abort(tmp);
            throw e;
        }
    }
}
