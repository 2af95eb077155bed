package org.llemma4j.data.preprocess;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Expands {@code --input} values into an ordered list of files. The order is part of the output (documents keep
 * input order), so directories and globs expand sorted by path, and the arguments keep the order given.
 */
public final class InputFiles {

    /** How a file's content is split into documents. */
    public enum Format {
        JSONL, JSONL_ZST, TEXT;

        static Format of(Path file) {
            String name = file.getFileName().toString();
            if (name.endsWith(".jsonl") || name.endsWith(".json")) {
                return JSONL;
            }
            if (name.endsWith(".jsonl.zst") || name.endsWith(".json.zst")) {
                return JSONL_ZST;
            }
            if (name.endsWith(".txt")) {
                return TEXT;
            }
            return null;
        }
    }

    private InputFiles() {
    }

    public static List<Path> expand(List<String> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String input : inputs) {
            List<Path> found = expandOne(input);
            if (found.isEmpty()) {
                throw new NoSuchFileException(input, null, "input matches no .jsonl, .jsonl.zst or .txt files");
            }
            files.addAll(found);
        }
        return files;
    }

    private static List<Path> expandOne(String input) throws IOException {
        Path path = Paths.get(input);
        if (Files.isRegularFile(path)) {
            if (Format.of(path) == null) {
                throw new IOException("input " + input + " is not a .jsonl, .jsonl.zst or .txt file");
            }
            return List.of(path);
        }
        if (Files.isDirectory(path)) {
            try (Stream<Path> walk = Files.walk(path)) {
                return walk.filter(Files::isRegularFile).filter(p -> Format.of(p) != null).sorted().toList();
            }
        }
        if (input.indexOf('*') >= 0 || input.indexOf('?') >= 0 || input.indexOf('[') >= 0
                || input.indexOf('{') >= 0) {
            return glob(input);
        }
        throw new NoSuchFileException(input, null, "input file or directory does not exist");
    }

    /** The glob's fixed leading directories are the search root; the rest is matched against whole paths. */
    private static List<Path> glob(String pattern) throws IOException {
        String normalized = pattern.replace('\\', '/');
        int firstMeta = firstMeta(normalized);
        int slash = normalized.lastIndexOf('/', firstMeta);
        Path root = slash < 0 ? Paths.get(".") : Paths.get(normalized.substring(0, Math.max(slash, 1)));
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        String full = slash < 0 ? "./" + normalized : normalized;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + full);
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).filter(matcher::matches).filter(p -> Format.of(p) != null)
                    .sorted().toList();
        }
    }

    private static int firstMeta(String s) {
        for (int i = 0; i < s.length(); i++) {
            if ("*?[{".indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return s.length();
    }

    /** Sum of the files' sizes on disk (compressed for .zst), the basis of the ETA. */
    public static long totalBytes(List<Path> files) throws IOException {
        long total = 0;
        for (Path p : files) {
            total += Files.size(p);
        }
        return total;
    }
}
