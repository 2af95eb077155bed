package org.llemma4j.runtime.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs the checks of {@code launch gpu-check} in order (docs/gpu.md, "What scripts/gpu-check shows"), handing each
 * result to {@code report} as soon as it is known; a check that fails does not stop the ones after it. Check 4, the
 * benchmark, is {@code launch bench}'s and is run by {@code scripts/gpu-check}.
 */
public final class GpuChecks {

    /** The checks this class runs, by number. */
    public static final Set<Integer> CHECKS = Set.of(1, 2, 3, 5);

    private GpuChecks() {
    }

    /**
     * @param which the checks to run, a subset of {@link #CHECKS}
     * @return every result, in order
     */
    public static List<CheckResult> run(CheckSettings settings, Set<Integer> which, RankLauncher launcher,
                                        Consumer<CheckResult> report) {
        if (!CHECKS.containsAll(which)) {
            throw new IllegalArgumentException("checks " + which + ": only " + CHECKS + " exist here (check 4 is"
                    + " launch bench, run by scripts/gpu-check)");
        }
        List<CheckResult> results = new ArrayList<>();
        Consumer<CheckResult> add = r -> {
            results.add(r);
            report.accept(r);
        };
        if (which.contains(1)) {
            add.accept(DeviceAgreementCheck.run(settings));
        }
        if (which.contains(2)) {
            add.accept(Bf16Check.run(settings));
        }
        if (which.contains(3)) {
            add.accept(FlashCheck.run(settings));
            add.accept(SyncDebugCheck.run(settings));
        }
        if (which.contains(5)) {
            MultiRankCheck.run(settings, launcher).forEach(add);
        }
        return results;
    }
}
