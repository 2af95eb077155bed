package org.llemma4j.checkpoint.hf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.llemma4j.checkpoint.Fixtures;
import org.llemma4j.checkpoint.safetensors.SafetensorsFile;
import org.llemma4j.parallel.ParamSpec;
import org.llemma4j.parallel.ShardDim;

/**
 * A table for the Hugging Face fixture that is not a model's: the tensors its own safetensors header lists, matrices
 * split by rows, vectors replicated. This module knows no model; these tests only need some table.
 */
final class FixtureTensors {

    private FixtureTensors() {
    }

    static Path dir() {
        return Fixtures.stories();
    }

    static List<ParamSpec> table() throws IOException {
        List<ParamSpec> out = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(dir().resolve(HfDirectory.SINGLE_FILE))) {
            for (String name : f.names()) {
                long[] shape = f.info(name).shape();
                out.add(new ParamSpec(name, shape, shape.length == 2 ? ShardDim.ROWS : ShardDim.REPLICATED));
            }
        }
        return out;
    }

    /** The fixture opened against {@link #table()}, nothing redundant. */
    static HfDirectory open() throws IOException {
        return HfDirectory.open(dir(), table(), name -> false);
    }
}
