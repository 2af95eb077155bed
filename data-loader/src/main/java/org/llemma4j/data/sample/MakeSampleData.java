package org.llemma4j.data.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.llemma4j.data.io.AtomicFile;
import org.llemma4j.data.preprocess.PreprocessOptions;
import org.llemma4j.data.preprocess.PreprocessResult;
import org.llemma4j.data.preprocess.Preprocessor;
import org.llemma4j.data.tokenizer.Tokenizer;
import org.llemma4j.data.tokenizer.Tokenizers;

/**
 * Regenerates {@code data/sample/}: three training subsets (the first documents of each {@code train} split, in
 * file order, up to {@value #TRAIN_TOKENS} tokens, whole documents) and three validation subsets (the
 * {@code validation} splits, up to {@value #VALIDATION_TOKENS} tokens), tokenized with the Llama 2 SentencePiece
 * model, EOD appended, uint16; and the {@code NOTICE} listing every included document's source, path and licence.
 *
 * <pre>java -cp ... org.llemma4j.data.sample.MakeSampleData &lt;fixtures dir&gt; &lt;output dir&gt; [workers]</pre>
 *
 * The same datasets come out of {@code launch preprocess --append-eod --max-tokens N} with the same inputs;
 * this class exists to also write the NOTICE, which needs each document's {@code meta}.
 */
public final class MakeSampleData {

    static final long TRAIN_TOKENS = 360_000;
    static final long VALIDATION_TOKENS = 40_000;
    static final List<String> SUBSETS = List.of("arxiv", "open-web-math", "algebraic-stack");

    private MakeSampleData() {
    }

    /** One included document, for the NOTICE. */
    record Provenance(String source, String path, String license, int tokens) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: MakeSampleData <fixtures dir> <output dir> [workers]");
            System.exit(2);
        }
        Path fixtures = Paths.get(args[0]);
        Path out = Paths.get(args[1]);
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        make(fixtures, out, workers);
    }

    static void make(Path fixtures, Path out, int workers) throws IOException, InterruptedException {
        Path model = fixtures.resolve("tokenizers/llama2-spm/tokenizer.model");
        Path corpus = fixtures.resolve("proof-pile-2-mini");
        if (!Files.isDirectory(corpus)) {
            throw new NoSuchFileException(corpus.toString(), null, "proof-pile-2-mini fixture not found");
        }
        Files.createDirectories(out.resolve("validation"));
        StringBuilder notice = new StringBuilder(header(model));
        ObjectMapper json = new ObjectMapper();
        try (Tokenizer tok = Tokenizers.open(model)) {
            for (boolean validation : new boolean[] {false, true}) {
                for (String subset : SUBSETS) {
                    Path dir = corpus.resolve(subset).resolve(validation ? "validation" : "train");
                    Path prefix = (validation ? out.resolve("validation") : out).resolve(subset);
                    List<Provenance> docs = new ArrayList<>();
                    PreprocessOptions o = PreprocessOptions.of(List.of(dir.toString()), model, prefix)
                            .withWorkers(workers).withMaxTokens(validation ? VALIDATION_TOKENS : TRAIN_TOKENS);
                    PreprocessResult r = new Preprocessor(o).progressTo(System.err, 5000)
                            .listener((file, line, record, tokens) -> docs.add(provenance(json, record, tokens)))
                            .run(tok);
                    notice.append(section(out.relativize(r.datasetPrefix()).toString(),
                            corpus.relativize(dir).toString(), r, docs));
                }
            }
        }
        try (AtomicFile f = AtomicFile.create(out.resolve("NOTICE"))) {
            f.channel().write(ByteBuffer.wrap(notice.toString().getBytes(StandardCharsets.UTF_8)));
            f.commit();
        }
    }

    private static Provenance provenance(ObjectMapper json, String record, int tokens) {
        try {
            JsonNode meta = json.readTree(record).path("meta");
            return new Provenance(meta.path("source").asText("?"), meta.path("path").asText("?"),
                    meta.path("license").asText("?"), tokens);
        } catch (IOException e) {
            throw new IllegalStateException("a record the preprocessor accepted is not JSON: " + e.getMessage(), e);
        }
    }

    private static String header(Path model) throws IOException {
        return "llemma4j embedded sample data: attribution\n"
                + "==========================================\n\n"
                + "The .bin/.idx files here are Megatron / GPT-NeoX indexed datasets (uint16 token ids, one sequence\n"
                + "per document, end-of-document id 2 appended). They were produced with Meta's Llama 2 SentencePiece\n"
                + "tokenizer (tokenizer.model, 32000 pieces, md5 " + md5(model) + "), which is NOT included in\n"
                + "this repository: it is distributed under the Llama 2 Community License.\n\n"
                + "The texts are documents of proof-pile-2-mini, a small Proof-Pile-2-shaped corpus assembled from\n"
                + "public repositories and Debian packages. Each document keeps its own licence; every included\n"
                + "document is listed below with its meta.source, meta.path and meta.license, in dataset order\n"
                + "(document k of the dataset is entry k).\n";
    }

    private static String section(String dataset, String from, PreprocessResult r, List<Provenance> docs) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%n%s  (from %s: %d documents, %d tokens)%n", dataset, from, r.documents(), r.tokens()));
        for (int i = 0; i < docs.size(); i++) {
            Provenance p = docs.get(i);
            sb.append(String.format(Locale.ROOT, "  %4d  %s | %s | %s | %d tokens%n", i, p.source(), p.path(),
                    p.license(), p.tokens()));
        }
        return sb.toString();
    }

    private static String md5(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
