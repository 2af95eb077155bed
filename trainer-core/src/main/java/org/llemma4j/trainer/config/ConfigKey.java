package org.llemma4j.trainer.config;

import java.util.Objects;

/**
 * The declaration of one config key: its GPT-NeoX name, type, default, validation and a one-line doc.
 *
 * <p>The name is the full dotted path for keys inside a section ({@code optimizer.params.lr},
 * {@code zero_optimization.stage}), always with underscores.
 *
 * @param name         normalized dotted name
 * @param type         how a YAML value is converted
 * @param defaultValue the value when the key is absent, or {@code null} when there is none: the key is then
 *                     required, optional, or defaulted from other keys, as {@code doc} says
 * @param validator    the check on the converted value
 * @param doc          one line: what the key means (and where its default comes from when derived)
 * @param reducedInto  for an alternative spelling of another key's setting ({@code warmup} of {@code warmup_iters}),
 *                     that key's name: the resolved view shows only that key; {@code null} for a key of its own
 * @param <T>          the value type
 */
public record ConfigKey<T>(String name, ConfigType<T> type, T defaultValue, Validator<? super T> validator,
                           String doc, String reducedInto) {

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(doc, "doc");
        if (!name.equals(KeyNames.normalize(name))) {
            throw new IllegalArgumentException("key " + name + " must be declared in normalized form");
        }
    }

    /** True for an alternative spelling that the resolved view folds into {@link #reducedInto()}. */
    public boolean isAlternative() {
        return reducedInto != null;
    }

    /** Runs this key's validator on a value already of its type: the section records' constructors use it. */
    public void check(T value) {
        validator.check(name, value);
    }

    /** Converts and validates a raw YAML value for this key. */
    public T parse(Object raw) {
        T value = type.convert(name, raw);
        validator.check(name, value);
        return value;
    }

    @Override
    public String toString() {
        return name;
    }
}
