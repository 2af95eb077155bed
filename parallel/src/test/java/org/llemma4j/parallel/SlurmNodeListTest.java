package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SlurmNodeListTest {

    @Test
    void expandsRangesKeepingZeroPadding() {
        List<String> hosts = SlurmNodeList.expand("node[003-010,012]");
        assertEquals(9, hosts.size());
        assertEquals("node003", hosts.get(0));
        assertEquals("node010", hosts.get(7));
        assertEquals("node012", hosts.get(8));
        assertEquals("node003", SlurmNodeList.first("node[003-010,012]"));
    }

    @Test
    void plainNamesListsAndSeveralBrackets() {
        assertEquals(List.of("login7"), SlurmNodeList.expand("login7"));
        assertEquals(List.of("a1", "b8", "b9", "b10", "c"), SlurmNodeList.expand("a1,b[8-10],c"));
        assertEquals(List.of("r1-n01", "r1-n02", "r2-n01", "r2-n02"), SlurmNodeList.expand("r[1-2]-n[01-02]"));
        assertEquals("gpu-a100-17", SlurmNodeList.first("gpu-a100-[17,20-21],cpu[1-3]"));
    }

    @Test
    void malformedListsNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SlurmNodeList.expand("node[1-3"))
                .getMessage().contains("unclosed '['"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SlurmNodeList.expand("node[5-2]"))
                .getMessage().contains("descending range '5-2' (5 > 2)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SlurmNodeList.expand("node[a-2]"))
                .getMessage().contains("bound 'a' is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SlurmNodeList.expand("a,,b"))
                .getMessage().contains("empty entry"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SlurmNodeList.expand(" "))
                .getMessage().contains("empty"));
    }
}
