package org.llemma4j.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llemma4j.checkpoint.TestTensors.assertBitEqual;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llemma4j.parallel.ParamSpec;

/** A checkpoint saved at one TP x DP layout reads back exactly at another. */
class ReshardTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "saved tp {0} dp {1}, read at tp {2}")
    @CsvSource({"2,1,1", "1,1,2", "2,2,4", "4,1,2", "1,3,4", "2,3,2", "4,2,1", "1,2,1", "2,1,2", "1,1,1"})
    void weightsAndOptimizerStateReshard(int savedTp, int savedDp, int readTp) throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 7, new ParallelLayout(savedTp, savedDp, 1));
        try (PointerScope scope = new PointerScope();
             CheckpointReader r = store.open(store.latest().orElseThrow())) {
            for (int i = 0; i < TinyModel.PARAMS.size(); i++) {
                ParamSpec p = TinyModel.PARAMS.get(i);
                for (int rank = 0; rank < readTp; rank++) {
                    assertBitEqual(TinyModel.block(TinyModel.full(i), p.shardDim(), readTp, rank),
                            r.readShard(p.name(), readTp, rank));
                    for (String state : List.of(OptimizerNames.MASTER, OptimizerNames.EXP_AVG,
                            OptimizerNames.EXP_AVG_SQ)) {
                        assertBitEqual(TinyModel.block(TinyModel.fullState(i, state), p.shardDim(), readTp, rank),
                                r.readShard(OptimizerNames.of(p.name(), state), readTp, rank));
                    }
                }
                assertBitEqual(TinyModel.full(i), r.read(p.name()));
            }
            // A ZeRO-1 rank of a new layout restores its flat range, which cuts through parameters.
            for (int rank = 0; rank < readTp; rank++) {
                Tensor flat = TinyModel.flat(OptimizerNames.EXP_AVG_SQ, readTp, rank);
                for (int d = 0; d < 3; d++) {
                    long[] range = TinyModel.dpRange(flat.numel(), 3, d);
                    assertBitEqual(flat.narrow(0, range[0], range[1]).contiguous(),
                            r.readFlat(OptimizerNames.EXP_AVG_SQ, TinyModel.PARAMS, readTp, rank, range[0], range[1]));
                    assertPiecesOf(flat.narrow(0, range[0], range[1]).contiguous(), r, readTp, rank, range);
                }
            }
        }
    }

    /**
     * The same range read in bounded pieces (what a resume copies to the device): consecutive, none longer than
     * asked, together the whole range.
     */
    private static void assertPiecesOf(Tensor expected, CheckpointReader r, int tp, int rank, long[] range)
            throws Exception {
        for (long pieceElements : new long[] {1, 5, 64}) {
            Tensor assembled = torch.zeros(new long[] {range[1]}, expected.options());
            long[] next = {0};
            r.readFlat(OptimizerNames.EXP_AVG_SQ, TinyModel.PARAMS, tp, rank, range[0], range[1], pieceElements,
                    (at, piece) -> {
                        assertEquals(next[0], at, "pieces come in order");
                        assertTrue(piece.numel() >= 1 && piece.numel() <= pieceElements,
                                piece.numel() + " elements in a piece of at most " + pieceElements);
                        assertTrue(piece.is_cpu());
                        assembled.narrow(0, at, piece.numel()).copy_(piece);
                        next[0] += piece.numel();
                    });
            assertEquals(range[1], next[0]);
            assertBitEqual(expected, assembled);
        }
    }

    @Test
    void aTpThatDoesNotDivideTheTensorIsRefusedWithItsName() throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        TinyModel.save(store, 1, new ParallelLayout(2, 1, 1));
        try (CheckpointReader r = store.open(store.latest().orElseThrow())) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> r.readShard("model.layers.0.self_attn.q_proj.weight", 3, 0));
            assertEquals("tensor model.layers.0.self_attn.q_proj.weight of shape [4, 4]: dimension 0 of size 4 "
                    + "is not divisible by tp 3", e.getMessage());
            CheckpointException missing = assertThrows(CheckpointException.class, () -> r.read("lm_head.weight"));
            assertEquals("the checkpoint of step 1 has no tensor lm_head.weight", missing.getMessage());
            CheckpointException past = assertThrows(CheckpointException.class,
                    () -> r.readFlat(OptimizerNames.MASTER, TinyModel.PARAMS, 1, 0, 60, 10));
            assertEquals("flat range [60, 70) runs past the 68 elements of the parameters given", past.getMessage());
        }
    }
}
