package org.llemma4j.runtime.check;

import java.util.Locale;
import org.llemma4j.parallel.device.RootCause;

/**
 * One line of {@code launch gpu-check}'s report.
 *
 * @param id     the check's number in docs/gpu.md, with a letter where a check has parts ({@code 3a})
 * @param title  what was run, e.g. {@code "fp32 cuda:0 against cpu, 10 steps"}
 * @param status PASS, FAIL or SKIP
 * @param figure what was measured against what bound, or why it failed or was skipped
 */
public record CheckResult(String id, String title, CheckStatus status, String figure) {

    public CheckResult {
        if (id == null || id.isBlank() || title == null || title.isBlank() || status == null || figure == null) {
            throw new IllegalArgumentException("a check result needs an id, a title, a status and a figure");
        }
    }

    /** PASS when {@code passed}, else FAIL. */
    public static CheckResult of(String id, String title, boolean passed, String figure) {
        return new CheckResult(id, title, passed ? CheckStatus.PASS : CheckStatus.FAIL, figure);
    }

    /** A check that threw: FAIL with the innermost cause. */
    public static CheckResult failed(String id, String title, Throwable e) {
        return new CheckResult(id, title, CheckStatus.FAIL, RootCause.of(e));
    }

    public static CheckResult skipped(String id, String title, String why) {
        return new CheckResult(id, title, CheckStatus.SKIP, why);
    }

    /** {@code "check 1   fp32 cuda:0 against cpu, 10 steps: largest relative loss difference ...  PASS"}. */
    public String line() {
        return String.format(Locale.ROOT, "check %-3s %s: %s  %s", id, title, figure, status);
    }
}
