package org.llemma4j.trainer.train;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.data.index.Samples;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.tensor.Tensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluation on the validation sets (name -> samples): the same first {@code eval_iters} batches each time, so
 * successive values compare like with like; forward only, without autograd.
 */
final class Validation {

    private static final Logger LOG = LoggerFactory.getLogger(Validation.class);

    private final Map<String, Samples> sets;
    private final TrainingSection training;
    private final int evalIters;
    private final ParallelContext parallel;

    Validation(Map<String, Samples> sets, TrainingSection training, int evalIters, ParallelContext parallel) {
        this.sets = Collections.unmodifiableMap(new LinkedHashMap<>(sets));
        this.training = training;
        this.evalIters = evalIters;
        this.parallel = parallel;
        long needed = (long) evalIters * training.microBatchSize() * parallel.dims().dp();
        for (Map.Entry<String, Samples> e : sets.entrySet()) {
            if (e.getValue().size() < needed) {
                throw new IllegalArgumentException("validation set " + e.getKey() + " holds " + e.getValue().size()
                        + " samples, fewer than eval_iters x micro batch x dp = " + needed);
            }
        }
    }

    boolean isEmpty() {
        return sets.isEmpty();
    }

    /**
     * The mean loss of each set over {@code eval_iters} micro-batches per rank (averaged over all ranks), their mean
     * as {@code val_loss}, and its perplexity; logged and returned as one metrics record. The losses are summed on
     * the device and read once per set.
     */
    Map<String, Object> evaluate(Llama model, long step) throws IOException {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", step);
        Map<String, Double> losses = new LinkedHashMap<>();
        int micro = training.microBatchSize();
        int seq = training.seqLength();
        int width = seq + 1;
        int[] rows = new int[micro * width];
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Samples> set : sets.entrySet()) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor sum = torch.zeros(new long[] {}, parallel.device().options(ScalarType.Float));   // ()
                    for (int i = 0; i < evalIters; i++) {
                        long first = ((long) i * parallel.dims().dp() + parallel.dims().dpRank()) * micro;
                        for (int m = 0; m < micro; m++) {
                            set.getValue().sample(first + m, rows, m * width);
                        }
                        // A scope per batch: one scope around the whole evaluation kept every batch's activations
                        // alive to its end (9.7 GB for tiny.yaml's 30 batches, and the OOM killer).
                        try (PointerScope batch = new PointerScope()) {
                            Tensor tokens = Tensors.tokens(rows, parallel.device(), micro, width);
                            Tensor loss = model.loss(tokens.narrow(1, 0, seq), tokens.narrow(1, 1, seq));
                            sum.add_(loss);
                        }
                    }
                    Tensor mean = sum.div(Tensors.scalar(evalIters * (double) parallel.dims().worldSize())).view(1);
                    losses.put(set.getKey(), Tensors.item(parallel.sumOverWorld(mean)));
                }
            }
        }
        double valLoss = losses.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        record.put("val_loss", valLoss);
        record.put("val_ppl", Math.exp(valLoss));
        losses.forEach((name, loss) -> record.put("val_loss/" + name, loss));
        if (parallel.isRank0()) {
            LOG.info("validation at step {}: loss {} (perplexity {}){}", step, String.format("%.4f", valLoss),
                    String.format("%.1f", Math.exp(valLoss)), losses.size() > 1 ? " " + losses : "");
        }
        return record;
    }
}
