package org.llemma4j.trainer.config;

import java.util.List;

/**
 * A check on the value of one key, applied as soon as the value is converted, before keys are combined.
 * Checks that involve several keys live in the section records that read them ({@link ModelSection},
 * {@link DataSection}, ...), where both keys are known.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Validator<T> {

    /** @throws ConfigException naming {@code key} and {@code value} when the value is not allowed */
    void check(String key, T value);

    /** Accepts everything the type accepts. */
    static <T> Validator<T> any() {
        return (key, value) -> { };
    }

    /** {@code value >= min}. */
    static <T extends Number & Comparable<T>> Validator<T> atLeast(T min) {
        return (key, value) -> {
            if (value.compareTo(min) < 0) {
                throw new ConfigException(key + " must be >= " + min + ", got " + value);
            }
        };
    }

    /** {@code value > min}. */
    static <T extends Number & Comparable<T>> Validator<T> above(T min) {
        return (key, value) -> {
            if (value.compareTo(min) <= 0) {
                throw new ConfigException(key + " must be > " + min + ", got " + value);
            }
        };
    }

    /** {@code min <= value <= max}. */
    static <T extends Number & Comparable<T>> Validator<T> between(T min, T max) {
        return (key, value) -> {
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new ConfigException(key + " must be in [" + min + ", " + max + "], got " + value);
            }
        };
    }

    /** One of a fixed set of (lower-case) names; the message lists them. */
    static Validator<String> oneOf(String... allowed) {
        List<String> names = List.of(allowed);
        return (key, value) -> {
            if (!names.contains(value)) {
                throw new ConfigException(key + " must be one of " + names + ", got \"" + value + "\"");
            }
        };
    }

    /** Every element of a list satisfies {@code element}; messages name the index. */
    static <E> Validator<List<E>> each(Validator<E> element) {
        return (key, values) -> {
            for (int i = 0; i < values.size(); i++) {
                element.check(key + "[" + i + "]", values.get(i));
            }
        };
    }
}
