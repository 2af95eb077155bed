package org.llemma4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A run fills in intra_op_threads when the config does not give it. */
class IntraOpThreadsDefaultTest {

    @Test
    void theCoresAreSharedAmongTheRanksOfThisNode() {
        assertEquals(16, TrainingRun.defaultIntraOpThreads(16, 1));
        assertEquals(4, TrainingRun.defaultIntraOpThreads(16, 4));
        assertEquals(1, TrainingRun.defaultIntraOpThreads(2, 2), "two ranks on two cores: one thread each");
        assertEquals(1, TrainingRun.defaultIntraOpThreads(2, 4), "never zero");
    }
}
