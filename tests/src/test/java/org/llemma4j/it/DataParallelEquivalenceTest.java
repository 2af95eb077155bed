package org.llemma4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llemma4j.launch.DataParallelRankMain;
import org.llemma4j.launch.supervisor.LaunchSpec;
import org.llemma4j.launch.supervisor.Supervisor;
import org.llemma4j.launch.supervisor.SupervisorResult;

/**
 * DP=2 at micro batch 2 against DP=1 at micro batch 4 (the same global batch of the same samples), in fp32,
 * with plain data parallelism (ZeRO stage 0) and with the sharded optimizer (stage 1): the per-step losses and
 * gradient norms agree, the final parameters agree, and both DP ranks end with identical parameters.
 */
class DataParallelEquivalenceTest {

    /**
     * The runs differ only in summation order: DP=1 averages 4 x 64 token losses at once, DP=2 averages two means
     * of 2 x 64 and adds two fp32 gradient buffers over Gloo. Those orders change results at fp32 rounding
     * (~1e-7 relative), which 10 AdamW steps amplify to ~1e-6; 1e-5 relative bounds losses and gradient norms.
     */
    private static final double TOLERANCE = 1e-5;

    /**
     * Gradient norms are fp32 reductions over millions of elements: one reduction over the whole buffer (DP=1)
     * against two half-buffer reductions combined in double (ZeRO-1). Their rounding differs at ~1e-5 relative.
     */
    private static final double NORM_TOLERANCE = 1e-4;

    /**
     * Parameters are compared as whole vectors, |p2 - p1| / |p1| <= 1e-6: element-wise, AdamW turns a rounding-
     * level difference in a near-zero gradient into a full-size (lr) difference of that element's update.
     */
    private static final double PARAMETER_TOLERANCE = 1e-6;

    @ParameterizedTest(name = "ZeRO stage {0}")
    @ValueSource(ints = {0, 1})
    void twoRanksEqualOneRankWithTheWholeBatch(int zeroStage, @TempDir Path dir) throws Exception {
        Path single = dir.resolve("dp1");
        Path pair = dir.resolve("dp2");
        Files.createDirectories(single);
        Files.createDirectories(pair);

        DataParallelRankMain.main(new String[] {single.toString(), "4", "0"});
        SupervisorResult result = new Supervisor(LaunchSpec.local(DataParallelRankMain.class.getName(),
                List.of(pair.toString(), "2", Integer.toString(zeroStage)), 2), System.out).run();
        assertTrue(result.succeeded(), result.message());

        List<String> expected = Files.readAllLines(single.resolve("rank0.losses"));
        List<String> rank0 = Files.readAllLines(pair.resolve("rank0.losses"));
        assertEquals(rank0, Files.readAllLines(pair.resolve("rank1.losses")), "both ranks report the same losses");
        assertEquals(10, expected.size());
        double worst = 0;
        for (int step = 0; step < expected.size(); step++) {
            double want = Double.parseDouble(expected.get(step));
            double got = Double.parseDouble(rank0.get(step));
            assertEquals(want, got, TOLERANCE * want, "loss of step " + (step + 1));
            worst = Math.max(worst, Math.abs(got - want) / want);
        }
        List<Double> normsSingle = gradNorms(single.resolve("run0"));
        List<Double> normsPair = gradNorms(pair.resolve("run0"));
        for (int step = 0; step < normsSingle.size(); step++) {
            assertEquals(normsSingle.get(step), normsPair.get(step), NORM_TOLERANCE * normsSingle.get(step),
                    "gradient norm of step " + (step + 1));
        }
        String params0 = Files.readString(pair.resolve("rank0.params"));
        assertEquals(params0, Files.readString(pair.resolve("rank1.params")),
                "the parameters of the two data-parallel ranks are identical");
        double drift = relativeDistance(values(single.resolve("rank0.params")), values(pair.resolve("rank0.params")));
        assertTrue(drift <= PARAMETER_TOLERANCE, "parameters differ by " + drift + " relative");
        System.out.printf("ZeRO stage %d, DP=2 vs DP=1 over 10 fp32 steps: largest relative loss difference %.2e, "
                + "parameter distance %.2e relative%n", zeroStage, worst, drift);
    }

    private static List<Double> gradNorms(Path runDir) throws IOException {
        List<Double> norms = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            norms.add(new ObjectMapper().readTree(line).get("grad_norm").asDouble());
        }
        return norms;
    }

    private static double[] values(Path file) throws IOException {
        return Files.readAllLines(file).stream().mapToDouble(Double::parseDouble).toArray();
    }

    private static double relativeDistance(double[] a, double[] b) {
        assertEquals(a.length, b.length, "parameter count");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += a[i] * a[i];
        }
        return Math.sqrt(diff / norm);
    }
}
