package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No Java code reads or writes device memory through a tensor's data pointer: on a GPU that address is device
 * memory, and Java touching it crashes or reads garbage. Every use of {@code data_ptr} (and its typed variants) in
 * the main sources of every module must be one of the sites below, each on a host tensor the code made or copied
 * itself. A new use fails this test with its file and line; a site that moved or went away fails it too, so the
 * list stays the truth.
 */
class HostPointerLintTest {

    private static final String NEEDLE = "data_ptr";

    /** Source file (from the repository root) and the trimmed line of each allowed use, with why it is host-only. */
    private static final Map<String, String> ALLOWED = new LinkedHashMap<>();

    static {
        allow("checkpoint/src/main/java/org/llemma4j/checkpoint/safetensors/SafetensorsWriter.java",
                "BytePointer data = new BytePointer(host.data_ptr());",
                "a contiguous CPU tensor the caller gave (checked is_cpu) or the writer's own host staging piece");
        allow("checkpoint/src/main/java/org/llemma4j/checkpoint/safetensors/SafetensorsFile.java",
                "mapped.copyTo(dataStart + info.begin(), info.byteSize(), out.data_ptr(), 0);",
                "a tensor just made on the CPU device by empty()");
        allow("checkpoint/src/main/java/org/llemma4j/checkpoint/safetensors/SafetensorsFile.java",
                "Pointer dst = out.data_ptr();",
                "a tensor just made on the CPU device by empty()");
        allow("checkpoint/src/main/java/org/llemma4j/checkpoint/CheckpointReader.java",
                "Pointer data = piece.data_ptr();",
                "a host piece just made with hostOptions (the CPU device)");
        allow("trainer-core/src/main/java/org/llemma4j/trainer/tensor/Tensors.java",
                "contiguous.data_ptr_float().get(out);",
                "toFloats reads a host copy made by t.cpu()");
        allow("trainer-core/src/main/java/org/llemma4j/trainer/tensor/Tensors.java",
                "contiguous.data_ptr_double().get(out);",
                "toDoubles reads a host copy made by t.cpu()");
    }

    private static void allow(String file, String line, String reason) {
        if (ALLOWED.put(file + "|" + line, reason) != null) {
            throw new IllegalStateException("allowed twice: " + file + ": " + line);
        }
    }

    @Test
    void everyDataPointerInMainSourcesIsAnAllowedHostSite() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        // The modules the root pom lists; every one with main sources is scanned.
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(root.resolve("pom.xml")));
        List<Path> mains = new ArrayList<>();
        while (module.find()) {
            Path main = root.resolve(module.group(1).strip()).resolve("src/main/java");
            if (Files.isDirectory(main)) {
                mains.add(main);
            }
        }
        assertTrue(mains.size() >= 6 && mains.contains(root.resolve("checkpoint/src/main/java"))
                && mains.contains(root.resolve("trainer-core/src/main/java")),
                "the modules' main sources were not found under " + root + ": " + mains);
        List<String> offending = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        int files = 0;
        for (Path main : mains) {
            List<Path> sources;
            try (Stream<Path> walk = Files.walk(main)) {
                sources = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            }
            for (Path source : sources) {
                files++;
                String file = root.relativize(source).toString().replace('\\', '/');
                List<String> lines = Files.readAllLines(source);
                for (int i = 0; i < lines.size(); i++) {
                    if (!lines.get(i).contains(NEEDLE)) {
                        continue;
                    }
                    String key = file + "|" + lines.get(i).strip();
                    if (ALLOWED.containsKey(key)) {
                        seen.add(key);
                    } else {
                        offending.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(files > 100, "only " + files + " main source files found");
        assertEquals(List.of(), offending, "data_ptr outside the allow-list of host-only sites: a Java read or write"
                + " of tensor memory must be on a host tensor the code made or copied itself (add the site with its"
                + " reason only if it is)");
        TreeSet<String> stale = new TreeSet<>(ALLOWED.keySet());
        stale.removeAll(seen);
        assertEquals(new TreeSet<String>(), stale, "allow-list entries that match no source line any more");
    }
}
