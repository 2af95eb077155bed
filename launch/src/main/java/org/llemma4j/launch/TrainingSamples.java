package org.llemma4j.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llemma4j.data.indexed.IndexedDataset;
import org.llemma4j.data.index.DataSets;
import org.llemma4j.data.index.Samples;
import org.llemma4j.trainer.config.DataSection;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.trainer.data.SampleSource;

/**
 * The training samples a config describes, in GPT-NeoX's training order, as the trainer's {@link SampleSource}:
 * {@code train_data_paths} blended by their weights, or the train split of {@code data_path}. Building checks the
 * data once: every dataset opens and is not empty, its token ids are below {@code vocab_size}, the weights match
 * the paths and are not negative or all zero, and the sample count is reachable.
 */
final class TrainingSamples implements SampleSource {

    private final Samples samples;

    private TrainingSamples(Samples samples) {
        this.samples = samples;
    }

    /**
     * The samples of a run with {@code dataParallel} ranks: {@code train_iters x micro x accumulation x dp} are
     * asked for, GPT-NeoX's {@code train_iters x train_batch_size}.
     *
     * @throws UsageException naming the file, key or numbers at fault
     */
    static TrainingSamples open(TrainConfig config, int dataParallel) throws UsageException {
        DataSection data = config.data();
        TrainingSection training = config.training();
        long numSamples = training.trainIters() * training.microBatchSize() * training.gradientAccumulationSteps()
                * (long) dataParallel;
        int vocab = config.model().vocabSize();
        try {
            if (data.dataPath().isPresent()) {
                Path prefix = data.dataPath().get();
                IndexedDataset ds = IndexedDataset.open(prefix);
                DataSets.checkVocabulary(ds, vocab);
                Samples train = DataSets.split(DataSets.Split.TRAIN, ds, data.split(), numSamples,
                        training.seqLength(), training.seed()).orElseThrow(() -> new IllegalArgumentException(
                        "data_path " + prefix + " with split '" + data.split() + "' leaves no documents for "
                                + "training (" + ds.sequenceCount() + " documents)"));
                return new TrainingSamples(train);
            }
            List<IndexedDataset> datasets = new ArrayList<>();
            for (Path prefix : data.train().paths()) {
                IndexedDataset ds = IndexedDataset.open(prefix);
                DataSets.checkVocabulary(ds, vocab);
                datasets.add(ds);
            }
            return new TrainingSamples(DataSets.weighted(DataSets.Split.TRAIN, "train_data_paths", datasets,
                    data.train().weights(), numSamples, training.seqLength(), training.seed()));
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * One sample source per validation dataset, keyed by its file name, each holding the
     * {@code eval_iters x micro x dp} samples every evaluation reads: {@code valid_data_paths} one by one (so each
     * subset's loss can be reported), or the validation split of {@code data_path}.
     */
    static Map<String, SampleSource> openValidation(TrainConfig config, int dataParallel) throws UsageException {
        DataSection data = config.data();
        TrainingSection training = config.training();
        long numSamples = (long) config.logging().evalIters() * training.microBatchSize() * dataParallel;
        Map<String, SampleSource> sources = new LinkedHashMap<>();
        try {
            if (data.dataPath().isPresent()) {
                IndexedDataset ds = IndexedDataset.open(data.dataPath().get());
                DataSets.split(DataSets.Split.VALID, ds, data.split(), numSamples, training.seqLength(),
                                training.seed())
                        .ifPresent(valid -> sources.put("valid", new TrainingSamples(valid)));
                return sources;
            }
            for (Path prefix : data.valid().paths()) {
                IndexedDataset ds = IndexedDataset.open(prefix);
                DataSets.checkVocabulary(ds, config.model().vocabSize());
                sources.put(prefix.getFileName().toString(), new TrainingSamples(DataSets.weighted(
                        DataSets.Split.VALID, "valid_data_paths", List.of(ds), List.of(1.0), numSamples,
                        training.seqLength(), training.seed())));
            }
            return sources;
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    @Override
    public long size() {
        return samples.size();
    }

    @Override
    public int seqLength() {
        return samples.seqLength();
    }

    @Override
    public void sample(long i, int[] dst, int off) {
        try {
            samples.sample(i, dst, off);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return samples.describe();
    }
}
