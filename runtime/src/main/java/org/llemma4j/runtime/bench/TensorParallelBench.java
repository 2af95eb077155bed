package org.llemma4j.runtime.bench;

import java.io.PrintStream;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.parallel.DistEnv;
import org.llemma4j.parallel.DistOptions;
import org.llemma4j.parallel.Distributed;
import org.llemma4j.trainer.dist.ParallelContext;
import org.llemma4j.trainer.model.Llama;
import org.llemma4j.trainer.model.LlamaConfig;
import org.llemma4j.trainer.nn.AttentionKernel;
import org.llemma4j.trainer.optim.AdamWSettings;
import org.llemma4j.trainer.tp.GroupTensorParallelPlan;
import org.llemma4j.trainer.tp.TensorParallelPlan;
import org.llemma4j.trainer.zero.DataParallelOptimizer;

/**
 * One rank of the tensor-parallel step-time benchmark (a benchmark, not a test; {@code launch bench-tp},
 * {@code scripts/bench-tp}): the ~100M Llama (hidden 768, 12 layers, 12 heads, FFN 2048, vocab 32000) in bf16 on
 * random tokens. The driver runs one configuration per supervised launch: TP=1 in one process with all cores,
 * then TP=2 as two processes with one intra-op thread each (same cores in total). Rank 0 prints per step:
 * forward+loss, backward, optimizer (with the gradient norm), and the wall time spent inside TP collectives (f's
 * gradient all-reduces, g's forward all-reduces, the vocab-parallel cross entropy's and the norm's).
 */
public final class TensorParallelBench {

    private TensorParallelBench() {
    }

    /**
     * Runs this process's rank of a TP={@code tp} job whose ranks the environment describes (torchrun's
     * variables); rank 0 prints its line to {@code out}.
     */
    public static void rank(int tp, int threads, int steps, int batch, int seq, PrintStream out) throws Exception {
        torch.set_num_threads(threads);
        LlamaConfig config = LlamaConfig.builder().numLayers(12).hiddenSize(768).numHeads(12).intermediateSize(2048)
                .vocabSize(32000).maxPositions(seq).build();
        DistEnv env = DistEnv.fromEnvironment(System.getenv());
        try (Distributed dist = tp > 1 ? Distributed.init(env, DistOptions.cpu(tp)) : null) {
            ParallelContext parallel = dist == null ? ParallelContext.single() : ParallelContext.of(dist);
            TensorParallelPlan plan = parallel.tensorParallel();
            int[] tokens = new Random(1).ints(batch * (seq + 1), 0, config.vocabSize()).toArray();
            try (Llama model = new Llama(config, plan, ScalarType.BFloat16, AttentionKernel.SDPA_FP32, 1);
                 DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                         new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0), parallel)) {
                TimedSteps timed = TimedSteps.measure(model, optimizer, parallel, tokens, batch, seq, steps,
                        () -> plan instanceof GroupTensorParallelPlan group ? group.collectiveNanos() : 0);
                if (env.rank() == 0) {
                    out.printf("TP=%d: %,d parameters per rank; seq %d x micro batch %d; step %.3f s "
                                    + "(forward+loss %.3f, backward %.3f, optimizer %.3f); in TP collectives %.3f s "
                                    + "(%.1f%%); %.0f tokens/s%n", tp, model.parameters().numel(), seq, batch,
                            timed.step(), timed.forward(), timed.backward(), timed.optimizer(), timed.collectives(),
                            100 * timed.collectives() / timed.step(), batch * seq / timed.step());
                }
            }
        }
    }
}
