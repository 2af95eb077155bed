package org.llemma4j.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the third-party fixtures are: {@code fixtures.dir} from surefire, else relative to the module. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path dir() {
        String prop = System.getProperty("fixtures.dir");
        Path dir = prop != null ? Path.of(prop) : Path.of("../../shared/fixtures");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("fixtures directory " + dir.toAbsolutePath()
                    + " not found; set -Dfixtures.dir");
        }
        return dir;
    }

    /** The tiny GQA Llama in Hugging Face layout. */
    public static Path stories() {
        return dir().resolve("hf-llama/stories260K-gqa");
    }
}
