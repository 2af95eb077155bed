package org.llemma4j.runtime.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llemma4j.data.index.DataSets;
import org.llemma4j.data.index.Samples;
import org.llemma4j.data.indexed.IndexedDataset;
import org.llemma4j.trainer.config.DataSection;
import org.llemma4j.trainer.config.TrainConfig;
import org.llemma4j.trainer.config.TrainingSection;
import org.llemma4j.runtime.SetupException;

/**
 * The samples a config describes, in GPT-NeoX's order: for training, {@code train_data_paths} blended by their
 * weights or the train split of {@code data_path}; for validation, each of {@code valid_data_paths} or the
 * validation split. Opening checks the data once: every dataset opens and is not empty, its token ids are below
 * {@code vocab_size}, the weights match the paths and are not negative or all zero, and the sample count is
 * reachable.
 */
public final class RunData {

    private RunData() {
    }

    /**
     * The training samples of a run with {@code dataParallel} ranks: {@code train_iters x micro x accumulation x dp}
     * are asked for, GPT-NeoX's {@code train_iters x train_batch_size}.
     *
     * @throws SetupException naming the file, key or numbers at fault
     */
    public static Samples training(TrainConfig config, int dataParallel) {
        TrainingSection training = config.training();
        DataSection data = config.data();
        long numSamples = training.trainIters() * training.microBatchSize() * training.gradientAccumulationSteps()
                * (long) dataParallel;
        int vocab = config.model().vocabSize();
        try {
            if (data.dataPath().isPresent()) {
                Path prefix = data.dataPath().get();
                IndexedDataset ds = IndexedDataset.open(prefix);
                DataSets.checkVocabulary(ds, vocab);
                return DataSets.split(DataSets.Split.TRAIN, ds, data.split(), numSamples, training.seqLength(),
                        training.seed()).orElseThrow(() -> new IllegalArgumentException("data_path " + prefix
                        + " with split '" + data.split() + "' leaves no documents for training ("
                        + ds.sequenceCount() + " documents)"));
            }
            List<IndexedDataset> datasets = new ArrayList<>();
            for (Path prefix : data.train().paths()) {
                IndexedDataset ds = IndexedDataset.open(prefix);
                DataSets.checkVocabulary(ds, vocab);
                datasets.add(ds);
            }
            return DataSets.weighted(DataSets.Split.TRAIN, "train_data_paths", datasets, data.train().weights(),
                    numSamples, training.seqLength(), training.seed());
        } catch (IOException | IllegalArgumentException e) {
            throw new SetupException(e.getMessage(), e);
        }
    }

    /**
     * One sample source per validation dataset, keyed by its file name, each holding the
     * {@code eval_iters x micro x dp} samples every evaluation reads: {@code valid_data_paths} one by one (so each
     * subset's loss can be reported), or the validation split of {@code data_path}. None with {@code eval_iters} 0,
     * which turns validation off.
     *
     * @throws SetupException naming the file, key or numbers at fault
     */
    public static Map<String, Samples> validation(TrainConfig config, int dataParallel) {
        TrainingSection training = config.training();
        DataSection data = config.data();
        long numSamples = (long) config.logging().evalIters() * training.microBatchSize() * dataParallel;
        Map<String, Samples> sources = new LinkedHashMap<>();
        if (numSamples == 0) {
            return sources;
        }
        try {
            if (data.dataPath().isPresent()) {
                IndexedDataset ds = IndexedDataset.open(data.dataPath().get());
                DataSets.split(DataSets.Split.VALID, ds, data.split(), numSamples, training.seqLength(),
                        training.seed()).ifPresent(valid -> sources.put("valid", valid));
                return sources;
            }
            for (Path prefix : data.valid().paths()) {
                IndexedDataset ds = IndexedDataset.open(prefix);
                DataSets.checkVocabulary(ds, config.model().vocabSize());
                sources.put(prefix.getFileName().toString(), DataSets.weighted(DataSets.Split.VALID,
                        "valid_data_paths", List.of(ds), List.of(1.0), numSamples, training.seqLength(),
                        training.seed()));
            }
            return sources;
        } catch (IOException | IllegalArgumentException e) {
            throw new SetupException(e.getMessage(), e);
        }
    }
}
