package org.llemma4j.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTimeoutTest {

    private static Duration read(String value) throws UsageException {
        return TrainCommand.rendezvousTimeout(Map.of(TrainCommand.RENDEZVOUS_TIMEOUT_VAR, value));
    }

    @Test
    void defaultIsFiveMinutes() throws UsageException {
        assertEquals(Duration.ofMinutes(5), TrainCommand.rendezvousTimeout(Map.of()));
        assertEquals(Duration.ofMinutes(5), read("  "));
    }

    @Test
    void secondsMayBeFractional() throws UsageException {
        assertEquals(Duration.ofSeconds(30), read("30"));
        assertEquals(Duration.ofMillis(2500), read(" 2.5 "));
    }

    @Test
    void badValuesNameTheVariable() {
        for (String bad : new String[] {"soon", "0", "-3", "NaN", "1e9"}) {
            UsageException e = assertThrows(UsageException.class, () -> read(bad), bad);
            assertTrue(e.getMessage().startsWith("LLEMMA_RENDEZVOUS_TIMEOUT_S"), e.getMessage());
        }
    }
}
