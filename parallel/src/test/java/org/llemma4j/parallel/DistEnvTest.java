package org.llemma4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DistEnvTest {

    @Test
    void emptyEnvironmentIsOneProcess() {
        DistEnv e = DistEnv.fromEnvironment(Map.of());
        assertEquals(new DistEnv(0, 0, 1, 1, "127.0.0.1", 29500, DistEnv.Source.SINGLE), e);
        assertTrue(e.isLoopback());
    }

    @Test
    void torchrunContract() {
        DistEnv e = DistEnv.fromEnvironment(Map.of("RANK", "5", "LOCAL_RANK", "1", "WORLD_SIZE", "8",
                "LOCAL_WORLD_SIZE", "4", "MASTER_ADDR", "10.1.2.3", "MASTER_PORT", "29601"));
        assertEquals(new DistEnv(5, 1, 8, 4, "10.1.2.3", 29601, DistEnv.Source.TORCHRUN), e);
    }

    @Test
    void torchrunWithoutLocalValuesMeansOneNode() {
        DistEnv e = DistEnv.fromEnvironment(Map.of("RANK", "2", "WORLD_SIZE", "3"));
        assertEquals(new DistEnv(2, 2, 3, 3, "127.0.0.1", 29500, DistEnv.Source.TORCHRUN), e);
    }

    @Test
    void slurmContractWithCompressedNodeList() {
        DistEnv e = DistEnv.fromEnvironment(Map.of("SLURM_PROCID", "9", "SLURM_LOCALID", "1", "SLURM_NTASKS", "16",
                "SLURM_TASKS_PER_NODE", "8(x2)", "SLURM_JOB_NODELIST", "gpu[003-010,012]", "SLURM_JOB_ID", "123456"));
        assertEquals(new DistEnv(9, 1, 16, 8, "gpu003", 23456, DistEnv.Source.SLURM), e);
        DistEnv withPort = DistEnv.fromEnvironment(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2",
                "SLURM_NTASKS_PER_NODE", "2", "SLURM_JOB_NODELIST", "n1", "MASTER_PORT", "40000"));
        assertEquals(new DistEnv(0, 0, 2, 2, "n1", 40000, DistEnv.Source.SLURM), withPort);
    }

    @Test
    void torchrunWinsOverSlurm() {
        DistEnv e = DistEnv.fromEnvironment(Map.of("RANK", "1", "WORLD_SIZE", "2", "SLURM_PROCID", "0",
                "SLURM_NTASKS", "1", "SLURM_JOB_NODELIST", "x"));
        assertEquals(DistEnv.Source.TORCHRUN, e.source());
        assertEquals(1, e.rank());
    }

    @Test
    void malformedValuesNameTheVariable() {
        assertEquals("RANK='one' is not an integer", assertThrows(IllegalArgumentException.class,
                () -> DistEnv.fromEnvironment(Map.of("RANK", "one", "WORLD_SIZE", "2"))).getMessage());
        assertEquals("RANK=0 is set but WORLD_SIZE is not", assertThrows(IllegalArgumentException.class,
                () -> DistEnv.fromEnvironment(Map.of("RANK", "0"))).getMessage());
        String m = assertThrows(IllegalArgumentException.class,
                () -> DistEnv.fromEnvironment(Map.of("RANK", "4", "WORLD_SIZE", "4"))).getMessage();
        assertTrue(m.contains("RANK=4") && m.contains("rank 4 is outside world 0..3"), m);
        m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(Map.of("RANK", "0",
                "WORLD_SIZE", "2", "MASTER_PORT", "70000"))).getMessage();
        assertTrue(m.contains("master port 70000 is outside 1..65535"), m);
        m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(Map.of("RANK", "1",
                "LOCAL_RANK", "2", "LOCAL_WORLD_SIZE", "2", "WORLD_SIZE", "4"))).getMessage();
        assertTrue(m.contains("local rank 2 is outside 0..1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(Map.of("SLURM_PROCID", "0",
                "SLURM_NTASKS", "2", "SLURM_JOB_NODELIST", "n[2-1]"))).getMessage();
        assertTrue(m.startsWith("SLURM_JOB_NODELIST=n[2-1]: ") && m.contains("descending"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> DistEnv.fromEnvironment(Map.of("WORLD_SIZE", "4"))).getMessage();
        assertTrue(m.contains("WORLD_SIZE=4 is set but RANK is not"), m);
    }
}
