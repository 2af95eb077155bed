package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code launch train} fills in intra_op_threads when the config does not give it. */
class IntraOpThreadsDefaultTest {

    @Test
    void theCoresAreSharedAmongTheRanksOfThisNode() {
        assertEquals(16, TrainCommand.defaultIntraOpThreads(16, 1));
        assertEquals(4, TrainCommand.defaultIntraOpThreads(16, 4));
        assertEquals(1, TrainCommand.defaultIntraOpThreads(2, 2), "two ranks on two cores: one thread each");
        assertEquals(1, TrainCommand.defaultIntraOpThreads(2, 4), "never zero");
    }
}
