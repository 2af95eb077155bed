package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CollectivesBenchCommandTest {

    @Test
    void oneRankIsAUsageError() {
        UsageException e = assertThrows(UsageException.class,
                () -> new CollectivesBenchCommand().run(List.of("--ranks", "1,2")));
        assertTrue(e.getMessage().contains("at least 2 ranks"), e.getMessage());
    }
}
