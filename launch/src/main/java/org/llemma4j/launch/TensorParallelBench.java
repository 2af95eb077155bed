package org.llemma4j.launch;

import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;
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
 * Tensor-parallel step-time benchmark (a benchmark, not a test; {@code scripts/bench-tp}): the ~100M Llama
 * (hidden 768, 12 layers, 12 heads, FFN 2048, vocab 32000) in bf16 on random tokens, one configuration per
 * supervised launch: TP=1 in one process with all cores, then TP=2 as two processes with one intra-op thread
 * each (same cores in total). Prints per step: forward+loss, backward, optimizer (with the gradient norm), and
 * the wall time spent inside TP collectives (f's gradient all-reduces, g's forward all-reduces, the vocab-parallel
 * cross entropy's and the norm's).
 *
 * <p>Arguments (driver): [steps (3)] [micro batch (4)] [seq (512)]. With RANK in the environment it runs as one
 * rank: tp, threads, steps, micro batch, seq.
 */
public final class TensorParallelBench {

    private TensorParallelBench() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getenv("RANK") != null) {
            rank(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            return;
        }
        String steps = args.length > 0 ? args[0] : "3";
        String batch = args.length > 1 ? args[1] : "4";
        String seq = args.length > 2 ? args[2] : "512";
        int cores = Runtime.getRuntime().availableProcessors();
        for (int tp : new int[] {1, 2}) {
            int threads = Math.max(1, cores / tp);
            System.out.printf("=== TP=%d: %d process(es) x %d intra-op thread(s)%n", tp, tp, threads);
            SupervisorResult result = new Supervisor(LaunchSpec.local(TensorParallelBench.class.getName(),
                    List.of("" + tp, "" + threads, steps, batch, seq), tp)
                    .withJvmArgs(List.of("-Xmx2g")), System.out).run();
            if (!result.succeeded()) {
                throw new IllegalStateException("TP=" + tp + " benchmark failed: " + result.message());
            }
        }
    }

    private static void rank(int tp, int threads, int steps, int batch, int seq) throws Exception {
        torch.set_num_threads(threads);
        LlamaConfig config = LlamaConfig.builder().numLayers(12).hiddenSize(768).numHeads(12).intermediateSize(2048)
                .vocabSize(32000).maxPositions(seq).build();
        DistEnv env = DistEnv.fromEnvironment(System.getenv());
        try (Distributed dist = tp > 1 ? Distributed.init(env, DistOptions.cpu(tp)) : null;
             ParallelContext parallel = dist == null ? ParallelContext.single() : ParallelContext.of(dist)) {
            TensorParallelPlan plan = parallel.tensorParallel();
            int[] tokens = new Random(1).ints(batch * (seq + 1), 0, config.vocabSize()).toArray();
            try (Llama model = new Llama(config, plan, ScalarType.BFloat16, AttentionKernel.SDPA_FP32, 1);
                 DataParallelOptimizer optimizer = DataParallelOptimizer.create(model.parameters(),
                         new AdamWSettings(0.9, 0.95, 1e-8, 0.1, 1.0), parallel)) {
                TimedSteps timed = TimedSteps.measure(model, optimizer, parallel, tokens, batch, seq, steps,
                        () -> plan instanceof GroupTensorParallelPlan group ? group.collectiveNanos() : 0);
                if (env.rank() == 0) {
                    System.out.printf("TP=%d: %,d parameters per rank; seq %d x micro batch %d; step %.3f s "
                                    + "(forward+loss %.3f, backward %.3f, optimizer %.3f); in TP collectives %.3f s "
                                    + "(%.1f%%); %.0f tokens/s%n", tp, model.parameters().numel(), seq, batch,
                            timed.step(), timed.forward(), timed.backward(), timed.optimizer(), timed.collectives(),
                            100 * timed.collectives() / timed.step(), batch * seq / timed.step());
                }
            }
        }
    }
}
