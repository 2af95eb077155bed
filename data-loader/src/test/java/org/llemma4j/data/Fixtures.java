package org.llemma4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the third-party fixtures are: {@code fixtures.dir} from surefire, else relative to the module. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path dir() {
        String prop = System.getProperty("fixtures.dir");
        Path dir = prop != null ? Paths.get(prop) : Paths.get("../../shared/fixtures");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("fixtures directory " + dir.toAbsolutePath()
                    + " not found; set -Dfixtures.dir");
        }
        return dir.normalize();
    }

    public static Path resolve(String relative) {
        return dir().resolve(relative);
    }
}
