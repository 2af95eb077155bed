package org.llemma4j.data.preprocess;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.llemma4j.data.indexed.DType;
import org.llemma4j.data.indexed.IndexedDatasetWriter;
import org.llemma4j.data.tokenizer.Tokenizer;
import org.llemma4j.data.tokenizer.Tokenizers;

/**
 * Runs one preprocessing job. Three stages overlap: a reader thread decompresses and splits the input into
 * batches of raw records, {@code workers} threads validate, parse and tokenize batches, and the calling thread
 * writes the batches strictly in reading order. Because order is restored before writing, the output is byte for
 * byte the same for any worker count. A bounded queue of pending batches keeps memory flat.
 */
public final class Preprocessor {

    /** Batches of about this much raw text: large enough to amortize hand-offs, small enough to balance. */
    static final int BATCH_BYTES = 256 * 1024;
    static final int BATCH_RECORDS = 512;

    private final PreprocessOptions options;
    private PrintStream progressOut = System.err;
    private long progressIntervalMillis = 2000;
    private DocumentListener listener;

    public Preprocessor(PreprocessOptions options) {
        this.options = options;
    }

    /** Where the progress line and summary go ({@code null}: nowhere); stderr by default. */
    public Preprocessor progressTo(PrintStream out, long intervalMillis) {
        this.progressOut = out;
        this.progressIntervalMillis = intervalMillis;
        return this;
    }

    public Preprocessor listener(DocumentListener listener) {
        this.listener = listener;
        return this;
    }

    /** Opens the tokenizer named in the options and runs. */
    public PreprocessResult run() throws IOException, InterruptedException {
        try (Tokenizer tokenizer = Tokenizers.open(options.tokenizer())) {
            return run(tokenizer);
        }
    }

    /** Runs with an already open tokenizer (which must match the options' file); the caller closes it. */
    public PreprocessResult run(Tokenizer tokenizer) throws IOException, InterruptedException {
        if (options.prependBos() && tokenizer.bosId() < 0) {
            throw new IllegalArgumentException("--bos: the tokenizer " + options.tokenizer() + " has no BOS token");
        }
        List<Path> files = InputFiles.expand(options.inputs());
        Progress progress = new Progress(progressOut, InputFiles.totalBytes(files), progressIntervalMillis);
        DocumentParser parser = new DocumentParser(options.jsonKey(), options.skipBadLines());
        Path prefix = options.datasetPrefix();

        AtomicBoolean stop = new AtomicBoolean();
        // Room for several batches per worker: one huge document (an arXiv source of 100K tokens) holds up the
        // ordered writer, and the other workers should keep encoding meanwhile instead of waiting for queue space.
        BlockingQueue<Future<EncodedBatch>> pending = new ArrayBlockingQueue<>(4 * options.workers() + 4);
        ExecutorService workers = Executors.newFixedThreadPool(options.workers(), daemonThreads("preprocess-worker"));
        AtomicLong inputPosition = new AtomicLong();
        Thread reader = new Thread(() -> readAll(files, parser, tokenizer, workers, pending, stop, inputPosition),
                "preprocess-reader");
        reader.setDaemon(true);

        long documents = 0;
        long tokens = 0;
        long textBytes = 0;
        long skipped = 0;
        DType dtype;
        try (IndexedDatasetWriter writer = IndexedDatasetWriter.create(prefix, tokenizer.vocabSize())) {
            dtype = writer.dtype();
            reader.start();
            while (true) {
                Future<EncodedBatch> next = pending.take();
                if (next == END) {
                    break;
                }
                EncodedBatch batch = await(next);
                for (int i = 0; i < batch.documents().length; i++) {
                    int[] doc = batch.documents()[i];
                    writer.addDocument(doc);
                    documents++;
                    tokens += doc.length;
                    textBytes += batch.textBytes()[i];
                    if (listener != null) {
                        RawRecord r = batch.sources().get(i);
                        listener.written(r.file(), r.line(), new String(r.bytes(), StandardCharsets.UTF_8),
                                doc.length);
                    }
                    if (options.maxTokens() > 0 && tokens >= options.maxTokens()) {
                        break;
                    }
                }
                skipped += batch.skipped();
                // The limit is checked first: a bad record after the last document we keep does not matter.
                if (options.maxTokens() > 0 && tokens >= options.maxTokens()) {
                    break;
                }
                if (batch.error() != null) {
                    throw rethrow(batch.error());
                }
                progress.update(documents, tokens, textBytes, batch.inputPosition());
            }
            writer.commit();
        } finally {
            stop.set(true);
            reader.interrupt();
            workers.shutdownNow();
            reader.join(10_000);
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - progress.startNanos());
        PreprocessResult result = new PreprocessResult(prefix, dtype, files.size(), documents,
                tokens, textBytes, skipped, elapsed);
        if (progressOut != null) {
            progressOut.println(Progress.summary(result));
        }
        return result;
    }

    /** Marks the end of the input in the queue of pending batches. */
    private static final Future<EncodedBatch> END = CompletableFuture.completedFuture(null);

    private void readAll(List<Path> files, DocumentParser parser, Tokenizer tokenizer, ExecutorService workers,
            BlockingQueue<Future<EncodedBatch>> pending, AtomicBoolean stop, AtomicLong inputPosition) {
        try {
            List<RawRecord> batch = new ArrayList<>();
            long batchBytes = 0;
            for (Path file : files) {
                try (RecordReader in = new RecordReader(file, inputPosition::addAndGet)) {
                    RawRecord r;
                    while ((r = in.next()) != null) {
                        if (stop.get()) {
                            return;
                        }
                        batch.add(r);
                        batchBytes += r.bytes().length;
                        if (batchBytes >= BATCH_BYTES || batch.size() >= BATCH_RECORDS) {
                            submit(batch, parser, tokenizer, workers, pending, inputPosition.get());
                            batch = new ArrayList<>();
                            batchBytes = 0;
                        }
                    }
                }
            }
            if (!batch.isEmpty()) {
                submit(batch, parser, tokenizer, workers, pending, inputPosition.get());
            }
            pending.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Queued behind the batches already read, so earlier errors are still reported first.
            try {
                pending.put(CompletableFuture.failedFuture(e));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void submit(List<RawRecord> batch, DocumentParser parser, Tokenizer tokenizer, ExecutorService workers,
            BlockingQueue<Future<EncodedBatch>> pending, long position) throws InterruptedException {
        pending.put(workers.submit(() -> encode(batch, parser, tokenizer, position)));
    }

    private EncodedBatch encode(List<RawRecord> batch, DocumentParser parser, Tokenizer tokenizer, long position) {
        List<int[]> docs = new ArrayList<>(batch.size());
        List<RawRecord> sources = listener != null ? new ArrayList<>(batch.size()) : null;
        List<Integer> textBytes = new ArrayList<>(batch.size());
        int skipped = 0;
        Exception error = null;
        for (RawRecord r : batch) {
            try {
                String text = parser.text(r);
                if (text == DocumentParser.SKIP) {
                    skipped++;
                    continue;
                }
                docs.add(tokens(text, tokenizer));
                textBytes.add(r.bytes().length);
                if (sources != null) {
                    sources.add(r);
                }
            } catch (Exception e) {
                error = e;
                break;
            }
        }
        return new EncodedBatch(docs.toArray(new int[0][]), textBytes.stream().mapToInt(Integer::intValue).toArray(),
                skipped, sources, error, position);
    }

    private int[] tokens(String text, Tokenizer tokenizer) {
        int[] ids = tokenizer.encode(text);
        int extra = (options.prependBos() ? 1 : 0) + (options.appendEod() ? 1 : 0);
        if (extra == 0) {
            return ids;
        }
        int[] out = new int[ids.length + extra];
        int at = 0;
        if (options.prependBos()) {
            out[at++] = tokenizer.bosId();
        }
        System.arraycopy(ids, 0, out, at, ids.length);
        if (options.appendEod()) {
            out[out.length - 1] = tokenizer.eodId();
        }
        return out;
    }

    private static EncodedBatch await(Future<EncodedBatch> f) throws IOException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static IOException rethrow(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IOException(t);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
