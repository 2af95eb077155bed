package org.llemma4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llemma4j.data.Fixtures;

/** One tokenizer instance shared by several threads (as the preprocessing workers share it) agrees with itself. */
class TokenizerConcurrencyTest {

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/llama2-spm/tokenizer.model", "tokenizers/mistral-hf/tokenizer.json"})
    void sharedInstanceGivesTheSameIdsFromManyThreads(String file) throws Exception {
        Path path = Fixtures.resolve(file);
        List<String> texts = SentencePieceTokenizerTest.referenceStrings();
        try (Tokenizer tok = Tokenizers.open(path)) {
            List<int[]> expected = new ArrayList<>();
            for (String t : texts) {
                expected.add(tok.encode(t));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<int[]>>> results = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    results.add(pool.submit(() -> {
                        List<int[]> last = null;
                        for (int rep = 0; rep < 200; rep++) {
                            last = new ArrayList<>();
                            for (int i = 0; i < texts.size(); i++) {
                                int[] ids = tok.encode(texts.get(i));
                                if (!java.util.Arrays.equals(ids, expected.get(i))) {
                                    throw new AssertionError("repetition " + rep + ", string " + i + " of " + file
                                            + " encoded differently");
                                }
                                last.add(ids);
                            }
                        }
                        return last;
                    }));
                }
                for (Future<List<int[]>> f : results) {
                    List<int[]> got = f.get();
                    for (int i = 0; i < texts.size(); i++) {
                        assertArrayEquals(expected.get(i), got.get(i), "string " + i + " of " + file);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
