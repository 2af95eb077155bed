package org.llemma4j.trainer.config;

import java.util.Objects;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.zero.ZeroSettings;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The parallelism section: how the model is split over ranks and how the data-parallel ranks share the optimizer.
 * The data-parallel degree is not here: it is the world size over {@code model_parallel_size}, known at launch.
 *
 * @param modelParallelSize {@code model_parallel_size}: the tensor-parallel degree
 * @param pipeParallelSize  {@code pipe_parallel_size}: 0 or 1 (no pipeline parallelism)
 * @param zero              {@code zero_optimization}: stage, overlap_comm and reduce_bucket_size
 */
public record ParallelismSection(int modelParallelSize, int pipeParallelSize, ZeroSettings zero) {

    public ParallelismSection {
        MODEL_PARALLEL_SIZE.check(modelParallelSize);
        PIPE_PARALLEL_SIZE.check(pipeParallelSize);
        Objects.requireNonNull(zero, "zero");                  // ZeroSettings checks its own values
    }

    /**
     * Reads the section and checks that Megatron tensor parallelism can split {@code model} evenly: heads, KV heads,
     * the FFN and the vocabulary over the TP ranks.
     */
    static ParallelismSection from(ParsedConfig p, LlamaConfig model) {
        ParallelismSection section = new ParallelismSection(p.get(MODEL_PARALLEL_SIZE), p.get(PIPE_PARALLEL_SIZE),
                new ZeroSettings(p.get(ZERO_STAGE), p.get(OVERLAP_COMM), p.get(REDUCE_BUCKET_SIZE)));
        int tp = section.modelParallelSize();
        divisible("num_attention_heads", model.numHeads(), tp);
        divisible("num_kv_heads", model.numKvHeads(), tp);
        divisible("intermediate_size", model.intermediateSize(), tp);
        divisible("vocab_size", model.vocabSize(), tp);
        return section;
    }

    private static void divisible(String key, int value, int tp) {
        if (value % tp != 0) {
            throw new ConfigException(key + " " + value + " is not divisible by model_parallel_size " + tp);
        }
    }
}
