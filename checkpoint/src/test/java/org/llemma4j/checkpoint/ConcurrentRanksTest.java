package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.ParamSpec;

/**
 * The save protocol with ranks running at once: each rank calls beginSave with the shared id and writes its own
 * files; after they all finish, rank 0 commits.
 */
class ConcurrentRanksTest {

    @TempDir
    Path dir;

    @Test
    void fourRanksWriteConcurrentlyThenRankZeroCommits() throws Exception {
        ParallelLayout layout = new ParallelLayout(2, 2, 1);
        String saveId = "run42-step300";
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> ranks = new ArrayList<>();
            for (int rank = 0; rank < 4; rank++) {
                int tpRank = rank % 2;                  // consecutive ranks form a TP group
                int dpRank = rank / 2;
                ranks.add(pool.submit(() -> {
                    CheckpointStore store = new CheckpointStore(dir);
                    Path tmp = store.beginSave(300, saveId);
                    try (PointerScope scope = new PointerScope()) {
                        ShardWriter writer = new ShardWriter(tmp, layout);
                        if (dpRank == 0) {
                            List<ShardedTensor> model = new ArrayList<>();
                            for (int i = 0; i < TinyModel.PARAMS.size(); i++) {
                                ParamSpec p = TinyModel.PARAMS.get(i);
                                model.add(new ShardedTensor(p,
                                        TinyModel.block(TinyModel.full(i), p.shardDim(), 2, tpRank)));
                            }
                            writer.writeModel(tpRank, model);
                        }
                        Tensor master = TinyModel.flat(OptimizerNames.MASTER, 2, tpRank);
                        Tensor expAvg = TinyModel.flat(OptimizerNames.EXP_AVG, 2, tpRank);
                        Tensor expAvgSq = TinyModel.flat(OptimizerNames.EXP_AVG_SQ, 2, tpRank);
                        long[] r = TinyModel.dpRange(master.numel(), 2, dpRank);
                        writer.writeOptimizer(tpRank, dpRank, OptimizerPiece.cut(TinyModel.PARAMS, 2, r[0],
                                master.narrow(0, r[0], r[1]), expAvg.narrow(0, r[0], r[1]),
                                expAvgSq.narrow(0, r[0], r[1])));
                    }
                    return null;
                }));
            }
            for (Future<?> f : ranks) {
                f.get();                                // the barrier
            }
        } finally {
            pool.shutdown();
        }
        CheckpointStore store = new CheckpointStore(dir);
        Manifest m = store.commit(store.beginSave(300, saveId), TinyModel.state(300, layout));
        assertEquals(6, m.files().size());
        try (CheckpointReader r = store.open(store.latest().orElseThrow()); PointerScope scope = new PointerScope()) {
            for (int i = 0; i < TinyModel.PARAMS.size(); i++) {
                String name = TinyModel.PARAMS.get(i).name();
                assertBitEqual(TinyModel.full(i), r.read(name));
                assertBitEqual(TinyModel.fullState(i, OptimizerNames.EXP_AVG), r.read(OptimizerNames.of(name,
                        OptimizerNames.EXP_AVG)));
            }
        }
    }
}
