package org.llemma4j.trainer.config;

import static org.llemma4j.trainer.config.ConfigKeys.*;

/**
 * The logging and evaluation section: how often the trainer reports and validates.
 *
 * @param logInterval  {@code log_interval}: iterations between log lines
 * @param evalInterval {@code eval_interval}: iterations between validation runs
 * @param evalIters    {@code eval_iters}: batches per validation run; 0 skips validation
 */
public record LoggingSection(int logInterval, int evalInterval, int evalIters) {

    public LoggingSection {
        LOG_INTERVAL.check(logInterval);
        EVAL_INTERVAL.check(evalInterval);
        EVAL_ITERS.check(evalIters);
    }

    static LoggingSection from(ParsedConfig p) {
        return new LoggingSection(p.get(LOG_INTERVAL), p.get(EVAL_INTERVAL), p.get(EVAL_ITERS));
    }
}
