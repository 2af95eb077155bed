package org.llemma4j.trainer.config;

import org.junit.jupiter.api.Test;
import org.llemma4j.trainer.zero.ZeroSettings;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The section records check their values with their keys' validators, whoever builds them. */
class SectionsTest {

    private static String error(Runnable build) {
        return assertThrows(ConfigException.class, build::run).getMessage();
    }

    @Test
    void constructorsValidateWithTheKeysMessages() {
        assertEquals("pipe_parallel_size 2: pipeline parallelism is not supported (use 0 or 1)",
                error(() -> new ParallelismSection(1, 2, ZeroSettings.REPLICATED)));
        assertEquals("intra_op_threads must be >= 1, got 0", error(() -> new TrainingSection(8, 1, 1, 1,
                Precision.FP32, 1, Optional.of(0), false, 1)));
        assertEquals("eval_iters must be >= 0, got -1", error(() -> new LoggingSection(1, 1, -1)));
        assertEquals("keep_last_n_checkpoints must be >= 0, got -1", error(() -> new CheckpointSection(0, -1, false,
                Optional.empty(), Optional.empty(), Optional.empty())));
        assertTrue(error(() -> new DataSection(Optional.empty(), "a", WeightedPaths.NONE, WeightedPaths.NONE,
                WeightedPaths.NONE)).startsWith("split must be up to three comma-separated numbers"));
        assertThrows(IllegalArgumentException.class, () -> new DataSection(Optional.of(Path.of("/d")), "1",
                new WeightedPaths(List.of(Path.of("/t")), List.of(1.0)), WeightedPaths.NONE, WeightedPaths.NONE));
    }

    @Test
    void alternativeSpellingsAreDeclaredWithTheKeyTheyReduceInto() {
        Set<String> alternatives = ConfigKeys.all().values().stream().filter(ConfigKey::isAlternative)
                .map(key -> key.name() + " -> " + key.reducedInto()).collect(Collectors.toSet());
        assertEquals(Set.of("warmup -> warmup_iters", "decay_lr_to -> min_lr", "bf16.enabled -> precision",
                "fp16.enabled -> precision", "save_interval -> checkpoint_factor"), alternatives);
    }
}
