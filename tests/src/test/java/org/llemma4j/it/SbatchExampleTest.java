package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** scripts/llemma-7b.sbatch says what SLURM will do with it: the 7B layout, and a command that exists. */
class SbatchExampleTest {

    private static final Path SCRIPT = Path.of("scripts/llemma-7b.sbatch");

    @Test
    void directivesGiveThe7bLayoutAndComeBeforeTheFirstCommand() throws Exception {
        List<String> lines = Files.readAllLines(SCRIPT);
        assertTrue(lines.get(0).startsWith("#!"), "sbatch needs a shebang line");
        Map<String, String> options = new HashMap<>();
        boolean commandSeen = false;
        for (String line : lines.subList(1, lines.size())) {
            String t = line.strip();
            if (t.startsWith("#SBATCH")) {
                // sbatch stops reading directives at the first command: a late one would be silently ignored.
                assertFalse(commandSeen, "#SBATCH after the first command is ignored by sbatch: " + line);
                String[] kv = t.substring("#SBATCH".length()).strip().split("=", 2);
                options.put(kv[0], kv.length > 1 ? kv[1] : "");
            } else if (!t.isEmpty() && !t.startsWith("#")) {
                commandSeen = true;
            }
        }
        assertEquals("32", options.get("--nodes"));
        assertEquals("8", options.get("--ntasks-per-node"));
        assertEquals("8", options.get("--gpus-per-node"));
        assertFalse(options.containsKey("--gpus-per-task"), "ranks pick cuda:SLURM_LOCALID among all GPUs");
    }

    @Test
    void srunStartsTheTrainCommandOnConfigsThatExist() throws Exception {
        String script = Files.readString(SCRIPT).replace("\\\n", " ");
        String srun = script.lines().filter(l -> l.startsWith("srun ")).findFirst().orElseThrow();
        assertTrue(srun.contains("--kill-on-bad-exit=1"), srun);
        assertTrue(srun.matches(".*scripts/launch train --config (\\S+) --config (\\S+)\\s*$"), srun);
        for (String config : List.of("configs/llemma-7b.yaml", "configs/proof-pile-2.yaml")) {
            assertTrue(srun.contains(config) && Files.exists(Path.of(config)), config);
        }
    }
}
